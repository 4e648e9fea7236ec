import makeWASocket, {
  type BinaryNode,
  Browsers,
  DEFAULT_CONNECTION_CONFIG,
  DisconnectReason,
  downloadMediaMessage,
  type Contact,
  jidDecode,
  jidNormalizedUser,
  proto,
  WA_CERT_DETAILS,
  type WAMessage,
  type WAMessageUpdate,
  type WAVersion,
} from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import type { AuthStateRepository } from '../store/ports.js'
import { describeStorageFailure } from '../store/storage-failure.js'
import type { ConnectionSettings } from '../sessions/session-settings.js'
import { Agent, type Dispatcher } from 'undici'
import {
  type ConnectionCallbacks,
  type WhatsAppConnection,
  type WhatsAppConnector,
  WhatsAppUnreachableError,
} from '../sessions/whatsapp-port.js'
import type { Sender } from '../messaging/inbound-message.js'
import { databaseAuthState } from './auth-state.js'
import { forwardPresence } from './conversations.js'
import { baileysCalls } from './calls.js'
import { forwardChatEvents } from './chat-actions.js'
import { createGroupMetadataCaches } from './group-metadata-cache.js'
import { cachedGroupMetadataFor, forwardGroupEvents } from './groups.js'
import { baileysSend } from './sending.js'
import { decodeBinaryNodeLean } from './binary-node-decoder.js'
import { encodeBinaryNodeLean } from './binary-node-encoder.js'
import { forwardHistory, historySocketConfig, type HistorySyncMode } from './history.js'
import { encodedIfMedia, STATUS_BY_RECEIPT, toInboundMessage } from './inbound-translation.js'
import { mediaHostInterceptor } from './media-host-override.js'
import { ProxyError, proxyTransport } from './proxy-transport.js'
import { baileysLabels } from './labels.js'
import { OnDemandCapabilities } from './on-demand-capabilities.js'
import { BaileysLogger } from './baileys-logger.js'
import { installFastSignalMacs } from './fast-signal-macs.js'
import { installFastX25519 } from './fast-x25519.js'
import { installFastXEdDSA } from './fast-xeddsa.js'
import { BAILEYS_KEEP_ALIVE_OFF_MS, keepAlive } from './keep-alive.js'
import { installGroupCipherFix } from './group-cipher-fix.js'
import { newMessageId } from './message-ids.js'
import { frameTimeout, promiseTimeout } from './query-timeout.js'
import { slimRetryManager } from './retry-manager-memory.js'
import { TurnBudget } from './turn-budget.js'
import { paceSocketEvents } from './socket-event-pacing.js'
import { EndpointProbe } from './endpoint-probe.js'
import { KeyCache } from './key-cache.js'
import { createSharedCaches } from './shared-caches.js'
import { socketTransactionStore } from './shared-transaction-context.js'

export interface BaileysConnectorOptions {
  authStates: AuthStateRepository
  version: WAVersion
  logger: Logger
  /** Another WhatsApp Web endpoint (tests and demos only). */
  url?: string
  /** The public root key that endpoint's certificates chain to (tests and demos only). */
  rootKey?: Buffer
  qrTimeoutMs?: number
  /** How long a new socket may take to show a QR code or log in before it is closed (and retried). */
  connectTimeoutMs: number
  /** How long a query to WhatsApp (device look-up, key fetch) may take before it fails. */
  queryTimeoutMs: number
  /** Messages this session sent, as encoded on the wire; answers recipients' retry requests. */
  sentMessage: (deviceId: string, messageId: string) => Promise<Uint8Array | undefined>
  /** Bytes of parsed Signal keys kept in memory, over all sessions. */
  keyCacheBytes: number
  /** How much of the phone's history new links take. */
  historySync: HistorySyncMode
  /** host:port standing in for WhatsApp's fixed media host (history and app-state blobs; tests and demos only). */
  mediaHost?: string
}

interface DisconnectError {
  message?: string
  output?: { statusCode?: number }
  /** Baileys' WebSocket errors carry the cause here. */
  data?: unknown
}

/** An error to end a socket with, carrying the close code the session's reconnect policy reads. */
function closeReason(message: string, statusCode: number): Error & DisconnectError {
  return Object.assign(new Error(message), { output: { statusCode } })
}

/** How long after reading a message back for a retry its re-send's key work may still start. */
const RETRY_ANSWER_MS = 10_000

/** The error Baileys closes with when the server's QR refs ran out without a scan. */
const QR_EXPIRED_MESSAGE = 'QR refs attempts ended'
/** How long key work may hold one event-loop turn before it continues in the next (see TurnBudget). */
const KEY_WORK_TURN_BUDGET_MS = 8

/** The account as the sender of what it sent from its other devices. */
function ownIdentity(me: Contact | undefined): Sender {
  const phoneNumber = me ? (jidDecode(me.id)?.user ?? null) : null
  return {
    jid: phoneNumber ? `${phoneNumber}@s.whatsapp.net` : '',
    phoneNumber,
    lid: me?.lid ? jidNormalizedUser(me.lid) : null,
    pushName: me?.name ?? null,
  }
}

/** Baileys' default platform and version; the name in front is what the phone lists under Linked devices. */
const [, BROWSER_KIND, BROWSER_VERSION] = Browsers.macOS('Chrome')

/** Baileys shows its first QR for 60 s and each later one for 20 s, unless qrTimeout is set. */
function qrLifetimeMs(qrNumber: number, qrTimeoutMs: number | undefined): number {
  return qrTimeoutMs ?? (qrNumber === 1 ? 60_000 : 20_000)
}

/** Creates Baileys sockets whose auth state lives in the database. */
export function createBaileysConnector(options: BaileysConnectorOptions): WhatsAppConnector {
  const { authStates, logger } = options
  const keyCache = new KeyCache(options.keyCacheBytes)
  const toMediaHost = options.mediaHost ? mediaHostInterceptor(options.mediaHost) : undefined
  /** Direct fetches with the stand-in media host (tests and demos only), built once for all sessions. */
  const directToMediaHost = toMediaHost && new Agent().compose(toMediaHost)
  /** How fetch reaches media hosts: through the session's proxy, if any (and to the stand-in media host, in tests). */
  const mediaDispatcher = (proxied: Dispatcher | undefined): Dispatcher | undefined =>
    proxied && toMediaHost ? proxied.compose(toMediaHost) : proxied ?? directToMediaHost
  const turns = new TurnBudget(KEY_WORK_TURN_BUDGET_MS)
  // Pings have a budget of their own: behind key work (a backlog of thousands of received messages)
  // they would wait past the silence that ends a socket as lost.
  const pingTurns = new TurnBudget(KEY_WORK_TURN_BUDGET_MS)
  const endpoint = EndpointProbe.forUrl(options.url ?? DEFAULT_CONNECTION_CONFIG.waWebSocketUrl.toString(), options.connectTimeoutMs)
  const cachesFor = createSharedCaches()
  const groupCachesFor = createGroupMetadataCaches()
  /** Per session, the last closed socket's writes still landing. */
  const retiring = new Map<string, Promise<void>>()
  /** Per session, how many times its credentials were wiped: a socket that read them before a wipe must never write them back. */
  const wipes = new Map<string, number>()
  // Baileys logs at info while the server logs debug, otherwise warnings only.
  const baileysLevel = logger.isLevelEnabled('debug') ? 'info' : 'warn'
  installFastX25519()
  installFastXEdDSA()
  installFastSignalMacs()
  installGroupCipherFix()
  if (options.rootKey) {
    // Baileys reads this exported object during each handshake; replacing the key trusts the test root.
    WA_CERT_DETAILS.PUBLIC_KEY = options.rootKey as Buffer<ArrayBuffer>
  }

  async function connect(deviceId: string, settings: ConnectionSettings, callbacks: ConnectionCallbacks): Promise<WhatsAppConnection> {
    const sessionLogger = logger.child({ deviceId })
    const proxy = settings.proxyUrl === null ? undefined : proxyTransport(settings.proxyUrl)
    const dispatcher = mediaDispatcher(proxy?.dispatcher)
    const fetchOptions = dispatcher ? { dispatcher } : undefined
    // The previous socket's last writes land before this one reads. No cache reset: a retired
    // socket writes nothing more, so the write-through cache matches the database (flush() drops
    // it when the session may run on another node meanwhile).
    await retiring.get(deviceId)
    // Through a proxy only the proxy can tell; directly, a refused endpoint costs no socket.
    const unreachable = proxy ? null : await endpoint.unreachable()
    if (unreachable) throw new WhatsAppUnreachableError(unreachable)
    const wipesBefore = wipes.get(deviceId) ?? 0
    // A retry receipt asks for a message this socket sent: Baileys reads it back (getMessage), then
    // reads and commits keys to re-send it, and acknowledges the receipt even when that failed, so
    // WhatsApp would not ask again. If the database is unreachable meanwhile, the socket stops before
    // the acknowledgement, and WhatsApp delivers the receipt again at the next login, on whichever
    // node has the session then. Only while a retry is answered: elsewhere Baileys handles a failed
    // key read or commit itself, and a full disk (reads still work) does not stop a socket.
    let stopForStorage = (_failure: Error): void => undefined
    let answeringRetryUntil = 0
    /** `startedAt`: a query that began inside the window may fail well after it (its timeout). */
    const onStorageFailure = (error: unknown, startedAt: number): void => {
      const failure = describeStorageFailure(error)
      if (failure?.kind === 'unavailable' && startedAt < answeringRetryUntil) stopForStorage(failure)
    }
    // A message is on the wire before Baileys commits its keys and returns it: a retry receipt for it
    // can come in meanwhile, and then waits for the send instead of finding nothing stored.
    let sending: Map<string, Promise<Uint8Array | undefined>> | undefined
    const storedMessage = (messageId: string): Promise<Uint8Array | undefined> => {
      const startedAt = performance.now()
      return options.sentMessage(deviceId, messageId).catch((error: unknown) => {
        onStorageFailure(error, startedAt)
        throw error
      })
    }
    const auth = await databaseAuthState(authStates, deviceId, { cache: keyCache, turns, onKeyStoreFailure: onStorageFailure })
    // Wiped while they loaded (a logout racing a connect): this socket is about to be closed, and writes nothing.
    if ((wipes.get(deviceId) ?? 0) !== wipesBefore) void auth.retire()
    // A restore starts many sockets at once; building them all in one turn held the loop for hundreds of milliseconds.
    await turns.pause()
    const groupCache = groupCachesFor(deviceId)
    // Messages handed over before their delivery receipt; messages.upsert then carries them again.
    const receivedBeforeReceipt = new WeakSet<WAMessage>()
    const receive = (message: WAMessage): Promise<void> => {
      const translated = toInboundMessage(message, ownIdentity(socket.authState.creds.me))
      return translated ? callbacks.onMessageReceived(translated, encodedIfMedia(translated, message)) : Promise.resolve()
    }
    const socket: ReturnType<typeof makeWASocket> = makeWASocket({
      auth: auth.state,
      version: options.version,
      logger: new BaileysLogger(() => sessionLogger.child({ module: 'baileys' }, { level: baileysLevel }), baileysLevel),
      ...(options.url ? { waWebSocketUrl: options.url } : {}),
      ...(options.qrTimeoutMs ? { qrTimeout: options.qrTimeoutMs } : {}),
      markOnlineOnConnect: settings.markOnline,
      browser: [settings.deviceName, BROWSER_KIND, BROWSER_VERSION],
      ...(proxy ? { agent: proxy.agent, fetchAgent: proxy.agent } : {}),
      ...historySocketConfig(options.historySync),
      ...(fetchOptions ? { options: fetchOptions } : {}),
      ...cachesFor(deviceId),
      // Sends to a group read its members from here: one query per group, then kept current by notifications.
      cachedGroupMetadata: (jid) => groupMetadata(jid),
      defaultQueryTimeoutMs: options.queryTimeoutMs,
      // Baileys' connect timeout also wraps every frame it sends (a timer, two formatted stack traces and an
      // error object per frame: about 8% of a send's CPU). Off here; the handshake watchdog below bounds the
      // connect, and the keep-alive ends a socket that stops answering once it is up.
      connectTimeoutMs: 0,
      // Pings go out through keepAlive() below, at Baileys' interval.
      keepAliveIntervalMs: BAILEYS_KEEP_ALIVE_OFF_MS,
      // Baileys retries a failed key commit 10 times, 3 s apart: a send held 30 s by a full disk. A
      // failed write is reported at once instead; a connection blip still gets two more tries. Every
      // socket's transactions live in one shared AsyncLocalStorage (shared-transaction-context.ts).
      transactionOpts: { maxCommitRetries: 3, delayBetweenTriesMs: 100, storage: socketTransactionStore() },
      // Keeps no message copies, and makes its caches on first use (retry-manager-memory.ts).
      makeMessageRetryManager: slimRetryManager,
      // Baileys' query timeouts without a stack formatted for each query, and its frames' without one at all (query-timeout.ts).
      promiseTimeout,
      frameTimeout,
      // Baileys would replay each sent message to its own event stream; the outbox already holds them.
      emitOwnEvents: false,
      // The same bytes as Baileys' encoder, without an array element per byte and closures per node.
      binaryNodeEncoder: encodeBinaryNodeLean,
      // The nodes Baileys' decoder gives, without its closures per node; and each frame handled as it arrives, not through five promises.
      binaryNodeDecoder: decodeBinaryNodeLean,
      // WhatsApp takes the receipt as delivery: it goes once the message is stored and its event queued.
      beforeMessageReceipt: (message) => {
        receivedBeforeReceipt.add(message)
        return receive(message)
      },
      getMessage: async (key) => {
        if (!key.id) return undefined
        if (key.fromMe) answeringRetryUntil = performance.now() + RETRY_ANSWER_MS
        // A failed send (a re-send under the same id) leaves the copy stored before it, if any.
        const encoded = (await sending?.get(key.id)) ?? (await storedMessage(key.id))
        if (!encoded && key.fromMe) sessionLogger.warn({ messageId: key.id }, 'Baileys asked for a message this session sent that is not stored: a retry receipt for it cannot be answered')
        return encoded ? proto.Message.decode(encoded) : undefined
      },
    })
    stopForStorage = (failure) => socket.end(closeReason(`Stopped the socket: ${failure.message}`, DisconnectReason.unavailableService))
    paceSocketEvents(socket.ws, turns)
    keepAlive(socket, DEFAULT_CONNECTION_CONFIG.keepAliveIntervalMs, () => pingTurns.pause())

    const saveCreds = (): void => {
      auth.saveCreds().catch((error: unknown) => {
        // The session may have been deleted while the socket was closing.
        sessionLogger.warn({ err: error }, 'could not save credentials')
      })
    }
    // The last save on close catches updates still held in Baileys' event buffer; then writes stop.
    const retire = (): void => {
      saveCreds()
      retiring.set(deviceId, auth.retire())
      // Downloads under way finish; the proxy's idle connections go.
      proxy?.dispatcher.close().catch(() => undefined)
    }
    socket.ev.on('creds.update', saveCreds)
    // Baileys learns the account's name after it connects (a message sent on the phone, a name set there or here).
    socket.ev.on('creds.update', ({ me }) => {
      if (me?.name) callbacks.onRenamed(me.name)
    })
    forwardPresence(socket, callbacks.onPresence)
    if (options.historySync !== 'none') forwardHistory(socket, () => ownIdentity(socket.authState.creds.me), callbacks.onHistory)
    forwardChatEvents(socket, callbacks.onChatEvents)
    const calls = baileysCalls(socket, callbacks.onCall)
    forwardGroupEvents(socket, groupCache, callbacks.onGroupEvent)
    const labels = baileysLabels(socket, callbacks.onLabelEvent)

    // 408, which reconnects with backoff.
    const handshakeWatchdog = setTimeout(() => socket.end(closeReason('Timed out connecting to WhatsApp', DisconnectReason.timedOut)), options.connectTimeoutMs)
    let qrCount = 0
    socket.ev.on('connection.update', (update) => {
      if (update.qr || update.connection === 'open' || update.connection === 'close') clearTimeout(handshakeWatchdog)
      if (update.qr) {
        qrCount += 1
        callbacks.onQr(update.qr, Date.now() + qrLifetimeMs(qrCount, options.qrTimeoutMs))
      }
      if (update.connection === 'open') {
        const me = socket.user ?? auth.state.creds.me
        const jid = me?.id ?? ''
        callbacks.onOpen({ jid, phoneNumber: jidDecode(jid)?.user ?? '', pushName: me?.name ?? null })
      }
      if (update.connection === 'close') {
        retire()
        const error = update.lastDisconnect?.error as DisconnectError | undefined
        callbacks.onClose({
          code: error?.output?.statusCode,
          reason: (error?.data instanceof ProxyError ? error.data.message : error?.message) ?? 'Connection closed',
          qrExpired: error?.message === QR_EXPIRED_MESSAGE,
        })
      }
    })

    // A plain server ack is the proof that WhatsApp took the message; Baileys itself only surfaces error acks.
    socket.ws.on('CB:ack,class:message', (node: BinaryNode) => {
      const { id, error } = node.attrs
      if (id) callbacks.onMessageStatus(id, error ? 'failed' : 'sent', error ?? null)
    })
    const reportReceipt = (id: string | null | undefined, status: number | null | undefined): void => {
      const reported = status === undefined || status === null ? undefined : STATUS_BY_RECEIPT[status]
      if (id && reported) callbacks.onMessageStatus(id, reported, null)
    }
    socket.ev.on('messages.update', (updates: WAMessageUpdate[]) => {
      for (const { key, update } of updates) if (key.fromMe) reportReceipt(key.id, update.status)
    })
    // Messages that arrived while the device was offline come as 'append', live ones as 'notify': both count.
    // Own messages here were sent from another device (the phone): this socket's own sends are not
    // replayed (emitOwnEvents is off), and copies of them that come back are dropped by the recorder.
    // Most messages were handed over before their receipt; the rest (from notifications, a placeholder
    // resend) come only here. The recorder logs its own failures.
    socket.ev.on('messages.upsert', ({ messages, type }) => {
      for (const message of messages) {
        if (message.key.fromMe && type === 'append') reportReceipt(message.key.id, message.status)
        if (!receivedBeforeReceipt.has(message)) receive(message).catch(() => undefined)
      }
    })

    const groupMetadata = cachedGroupMetadataFor(() => socket, groupCache)
    const sendThroughBaileys = baileysSend(socket, { sentMessage: (messageId) => options.sentMessage(deviceId, messageId), groupMetadata })
    const send: WhatsAppConnection['send'] = async (jid, message, messageId) => {
      const written = sendThroughBaileys(jid, message, messageId)
      const bytes = written.then(({ encoded }) => encoded, () => undefined)
      sending ??= new Map()
      sending.set(messageId, bytes)
      try {
        return await written
      } finally {
        // Kept to the end of this turn: the caller hands the bytes to SentContents in the meantime.
        setImmediate(() => {
          if (sending?.get(messageId) === bytes) sending.delete(messageId)
          if (sending?.size === 0) sending = undefined
        })
      }
    }

    return Object.assign(new OnDemandCapabilities(socket, groupCache), {
      send,
      calls,
      labels,
      checkNumbers: async (jids) => {
        const found = new Map((await socket.onWhatsApp(...jids) ?? []).map((result) => [result.jid, Boolean(result.exists)]))
        return jids.map((jid) => ({ jid, exists: found.get(jid) ?? false }))
      },
      downloadMedia: async (raw) => {
        const message = proto.WebMessageInfo.decode(raw) as WAMessage
        try {
          return { stream: await downloadMediaMessage(message, 'stream', { options: fetchOptions }) }
        } catch (error) {
          // rc14's own reuploadRequest path never fires (it reads error.status, Boom sets output.statusCode),
          // so expired media are re-requested from the phone here.
          const status = (error as DisconnectError).output?.statusCode
          if (status !== 404 && status !== 410) throw error
          await socket.refreshMediaConn(true)
          const updated = await socket.updateMediaMessage(message)
          return {
            stream: await downloadMediaMessage(updated, 'stream', { options: fetchOptions }),
            updatedRaw: proto.WebMessageInfo.encode(updated).finish(),
          }
        }
      },
      requestPairingCode: (phoneDigits) => socket.requestPairingCode(phoneDigits),
      close: () => {
        retire()
        socket.end(undefined)
      },
      logout: () => {
        retiring.set(deviceId, auth.retire())
        return socket.logout()
      },
    } satisfies Omit<WhatsAppConnection, keyof OnDemandCapabilities>)
  }

  return {
    connect,
    newMessageId,
    flush: async (deviceId) => {
      await retiring.get(deviceId)
      // With several nodes the session may run elsewhere next and come back with newer keys.
      keyCache.dropDevice(deviceId)
    },
    forget: async (deviceId) => {
      // Writes of the socket that just closed land first, or they would bring the credentials back.
      wipes.set(deviceId, (wipes.get(deviceId) ?? 0) + 1)
      await retiring.get(deviceId)
      retiring.delete(deviceId)
      await authStates.clear(deviceId)
      keyCache.dropDevice(deviceId)
    },
  }
}
