import makeWASocket, { jidDecode, WA_CERT_DETAILS, type WAVersion } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import type { AuthStateRepository } from '../store/ports.js'
import type { ConnectionCallbacks, WhatsAppConnection, WhatsAppConnector } from '../sessions/whatsapp-port.js'
import { databaseAuthState } from './auth-state.js'

export interface BaileysConnectorOptions {
  authStates: AuthStateRepository
  version: WAVersion
  logger: Logger
  /** Another WhatsApp Web endpoint (tests and demos only). */
  url?: string
  /** The public root key that endpoint's certificates chain to (tests and demos only). */
  rootKey?: Buffer
  qrTimeoutMs?: number
}

interface DisconnectError {
  message?: string
  output?: { statusCode?: number }
}

/** The error Baileys closes with when the server's QR refs ran out without a scan. */
const QR_EXPIRED_MESSAGE = 'QR refs attempts ended'

/** Baileys shows its first QR for 60 s and each later one for 20 s, unless qrTimeout is set. */
function qrLifetimeMs(qrNumber: number, qrTimeoutMs: number | undefined): number {
  return qrTimeoutMs ?? (qrNumber === 1 ? 60_000 : 20_000)
}

/** Creates Baileys sockets whose auth state lives in the database. */
export function createBaileysConnector(options: BaileysConnectorOptions): WhatsAppConnector {
  const { authStates, logger } = options
  if (options.rootKey) {
    // Baileys reads this exported object during each handshake; replacing the key trusts the test root.
    WA_CERT_DETAILS.PUBLIC_KEY = options.rootKey as Buffer<ArrayBuffer>
  }

  function connect(deviceId: string, callbacks: ConnectionCallbacks): WhatsAppConnection {
    const sessionLogger = logger.child({ deviceId })
    const auth = databaseAuthState(authStates, deviceId)
    const socket = makeWASocket({
      auth: auth.state,
      version: options.version,
      logger: sessionLogger.child({ module: 'baileys' }, { level: logger.isLevelEnabled('debug') ? 'info' : 'warn' }),
      ...(options.url ? { waWebSocketUrl: options.url } : {}),
      ...(options.qrTimeoutMs ? { qrTimeout: options.qrTimeoutMs } : {}),
      markOnlineOnConnect: false,
      syncFullHistory: false,
    })

    const saveCreds = (): void => {
      try {
        auth.saveCreds()
      } catch (error) {
        // The session may have been deleted while the socket was closing.
        sessionLogger.warn({ err: error }, 'could not save credentials')
      }
    }
    // The last save on close catches updates still held in Baileys' event buffer; then writes stop.
    const retire = (): void => {
      saveCreds()
      auth.retire()
    }
    socket.ev.on('creds.update', saveCreds)

    let qrCount = 0
    socket.ev.on('connection.update', (update) => {
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
          reason: error?.message ?? 'Connection closed',
          qrExpired: error?.message === QR_EXPIRED_MESSAGE,
        })
      }
    })

    return {
      sendText: async (jid, text) => {
        const sent = await socket.sendMessage(jid, { text })
        return { messageId: sent?.key.id ?? '' }
      },
      close: () => {
        retire()
        socket.end(undefined)
      },
      logout: () => {
        auth.retire()
        return socket.logout()
      },
    }
  }

  return {
    connect,
    forget: (deviceId) => authStates.clear(deviceId),
  }
}
