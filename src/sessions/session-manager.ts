import type { Logger } from 'pino'
import { conflict, DomainError, invalidInput, sessionNotFound } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import { isIgnoredChat } from '../messaging/chat-kind.js'
import type { IgnoredKinds, SessionRecord } from '../store/ports.js'
import type { SessionCatalog } from '../store/session-catalog.js'
import { ConnectGate } from './connect-gate.js'
import { KeyedLock } from './keyed-lock.js'
import { type ListedSession, pageOf, type SessionFilter, type SessionPage, type SessionPosition, sessionMatcher } from './session-listing.js'
import { SINGLE_NODE, type SessionPlacement } from './session-placement.js'
import type { ReconnectOptions } from './reconnect-policy.js'
import { CONNECTION_STATES, type ConnectionState, type QrCode, type RuntimeObserver, type RuntimeSnapshot, SessionRuntime } from './session-runtime.js'
import type { WhatsAppConnection, WhatsAppConnector } from './whatsapp-port.js'
import {
  type CheckedSettings, checkedSettings, connectionSettingsOf, NO_IGNORED_KINDS, type SessionSettings, type SessionSettingsChange, type SettingsDefaults,
  settingsOf,
} from './session-settings.js'

export interface SessionInfo {
  deviceId: string
  connectionState: ConnectionState
  /** The session is meant to be running (restored after a restart). */
  isActive: boolean
  hasApiKey: boolean
  apiKeyPrefix: string | null
  phoneNumber: string | null
  pushName: string | null
  qr: QrCode | null
  lastError: string | null
  settings: SessionSettings
  createdAt: number
}

export interface SessionManagerDeps {
  sessions: SessionCatalog
  connector: WhatsAppConnector
  reconnect: ReconnectOptions
  restoreConcurrency: number
  connectRatePerSecond: number
  bus: EventBus
  logger: Logger
  /** Where sessions run; a single node runs them all. */
  placement?: SessionPlacement
  /** Proxy and device name of sessions that set none. */
  settingsDefaults: SettingsDefaults
}

/** How long a pairing-code request waits for a just-started session to come up. */
const PAIRING_READY_TIMEOUT_MS = 15_000

/** How long restore waits for one session to settle before starting the next in its slot. */
const RESTORE_SETTLE_TIMEOUT_MS = 15_000

/** Owns every session's runtime; the only way in for routes and messaging. */
export class SessionManager {
  private readonly runtimes = new Map<string, SessionRuntime>()
  private readonly gate: ConnectGate
  private readonly lock = new KeyedLock()
  private readonly announced = new Map<string, { state: ConnectionState; qr: string | undefined }>()
  private restored = false
  private shuttingDown = false
  private readonly placement: SessionPlacement

  constructor(private readonly deps: SessionManagerDeps) {
    this.gate = new ConnectGate(deps.restoreConcurrency, deps.connectRatePerSecond)
    this.placement = deps.placement ?? SINGLE_NODE
  }

  get isRestored(): boolean {
    return this.restored
  }

  list(): SessionInfo[] {
    return this.deps.sessions.list().map((record) => this.describeRecord(record))
  }

  /**
   * Sessions matching `filter` in list order, at most `limit` after `after`: only the page is
   * described in full. Unfiltered (the dashboard's pages), only the page's live state is read.
   */
  page(filter: SessionFilter, after: SessionPosition | undefined, limit: number): SessionPage<SessionInfo> {
    const records = this.deps.sessions.list()
    const matches = sessionMatcher(filter)
    if (!matches) {
      const page = pageOf(records, null, after, limit)
      return { ...page, sessions: page.sessions.map((record) => this.describeRecord(record)) }
    }
    const listed = records.map((record) => listedSession(record, this.snapshotOf(record.deviceId)))
    const page = pageOf(listed, matches, after, limit)
    return { ...page, sessions: page.sessions.map((session) => this.describeRecord(session.record, session.snapshot)) }
  }

  get(deviceId: string): SessionInfo {
    return this.describeRecord(this.requireRecord(deviceId))
  }

  exists(deviceId: string): boolean {
    return this.deps.sessions.get(deviceId) !== undefined
  }

  /** A session's settings alone, or undefined when there is no such session: cheap enough for every event. */
  settings(deviceId: string): SessionSettings | undefined {
    const record = this.deps.sessions.get(deviceId)
    return record && settingsOf(record)
  }

  /** Creates the session with the given settings and starts it, so its QR code follows at once. */
  create(deviceId: string, settings: SessionSettingsChange = {}): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      const checked = checkedSettings(settings)
      // Stopped until its settings are written: no node may connect it meanwhile without its proxy.
      if (!(await this.deps.sessions.create(deviceId, 'stopped'))) {
        throw conflict(`Session "${deviceId}" already exists`)
      }
      try {
        await this.writeSettings(deviceId, settings, checked)
      } catch (error) {
        await this.deps.sessions.delete(deviceId)
        throw error
      }
      await this.deps.sessions.setDesiredState(deviceId, 'running')
      if (await this.placement.claim(deviceId)) this.runtimeFor(deviceId).start()
      return this.get(deviceId)
    })
  }

  start(deviceId: string): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      this.requireRecord(deviceId)
      await this.deps.sessions.setDesiredState(deviceId, 'running')
      if (await this.placement.claim(deviceId)) this.runtimeFor(deviceId).start()
      return this.get(deviceId)
    })
  }

  stop(deviceId: string): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      this.requireRecord(deviceId)
      await this.deps.sessions.setDesiredState(deviceId, 'stopped')
      this.runtimes.get(deviceId)?.stop()
      await this.giveUp(deviceId)
      return this.get(deviceId)
    })
  }

  restart(deviceId: string): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      this.requireRecord(deviceId)
      await this.deps.sessions.setDesiredState(deviceId, 'running')
      this.runtimes.get(deviceId)?.stop()
      if (await this.placement.claim(deviceId)) this.runtimeFor(deviceId).start()
      return this.get(deviceId)
    })
  }

  /**
   * Changes the given settings, all checked before any is written. A new proxy reconnects the
   * session; markOnline takes effect at once; a device name at the next pairing.
   */
  updateSettings(deviceId: string, change: SessionSettingsChange): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      const before = this.requireRecord(deviceId)
      if (Object.values(change).every((value) => value === undefined)) throw invalidInput('Give at least one setting to change')
      await this.writeSettings(deviceId, change, checkedSettings(change))
      const after = this.requireRecord(deviceId)
      const runtime = this.runtimes.get(deviceId)
      if (!runtime || after.desiredState !== 'running') return this.get(deviceId)
      if (after.proxyUrl !== before.proxyUrl) {
        runtime.stop()
        runtime.start()
      } else if ((after.behaviour.markOnline ?? false) !== (before.behaviour.markOnline ?? false)) {
        runtime.liveConnection?.conversations.setPresence(after.behaviour.markOnline ? 'online' : 'offline')
          .catch((error: unknown) => this.deps.logger.warn({ err: error, deviceId }, 'could not change the account\'s presence'))
      }
      return this.get(deviceId)
    })
  }

  private async writeSettings(deviceId: string, change: SessionSettingsChange, checked: CheckedSettings): Promise<void> {
    const { sessions } = this.deps
    if (change.sendRatePerMinute !== undefined) await sessions.setSendRate(deviceId, change.sendRatePerMinute)
    if (change.rejectCalls !== undefined || checked.rejectCallMessage !== undefined) {
      await sessions.setCallRejection(deviceId, {
        ...(change.rejectCalls !== undefined ? { reject: change.rejectCalls } : {}),
        ...(checked.rejectCallMessage !== undefined ? { message: checked.rejectCallMessage } : {}),
      })
    }
    if (checked.proxyUrl !== undefined) await sessions.setProxy(deviceId, checked.proxyUrl)
    if (Object.keys(checked.behaviour).length > 0) await sessions.setBehaviour(deviceId, checked.behaviour)
  }

  /**
   * A pairing code for linking by phone number. The socket must be up and unlinked: a session that
   * is still connecting is given a moment to show its first QR.
   */
  requestPairingCode(deviceId: string, phoneNumber: string): Promise<string> {
    return this.lock.run(deviceId, async () => {
      const record = this.requireRecord(deviceId)
      const digits = phoneNumber.replace(/[\s().+-]/g, '')
      if (!/^\d{6,15}$/.test(digits)) throw invalidInput('phoneNumber must be a phone number with country code')
      const runtime = this.runtimes.get(deviceId)
      if (!runtime || record.desiredState !== 'running') throw conflict(`Session "${deviceId}" is not running; start it first`)
      await runtime.waitUntilSettled(PAIRING_READY_TIMEOUT_MS)
      const connection = runtime.unlinkedConnection
      if (!connection) {
        const state = runtime.snapshot().state
        throw conflict(`Session "${deviceId}" cannot be linked now (state: ${state})`, { connectionState: state })
      }
      try {
        return await connection.requestPairingCode(digits)
      } catch (error) {
        throw new DomainError('upstream_failed', `WhatsApp did not issue a pairing code: ${(error as Error).message}`)
      }
    })
  }

  /** Unlinks the device and wipes its credentials; the session stays, stopped, ready to pair again. */
  logout(deviceId: string): Promise<SessionInfo> {
    return this.lock.run(deviceId, async () => {
      this.requireRecord(deviceId)
      await this.deps.sessions.setDesiredState(deviceId, 'stopped')
      await this.runtimeFor(deviceId).logout()
      await this.deps.sessions.setAccount(deviceId, null, null)
      await this.giveUp(deviceId)
      return this.get(deviceId)
    })
  }

  /** Closes the socket (without unlinking), then removes the session and all its data. */
  delete(deviceId: string): Promise<void> {
    return this.lock.run(deviceId, async () => {
      this.requireRecord(deviceId)
      this.runtimes.get(deviceId)?.stop()
      this.runtimes.delete(deviceId)
      this.announced.delete(deviceId)
      // Stopped first, so no other node takes the freed lease and connects it before the row goes.
      await this.deps.sessions.setDesiredState(deviceId, 'stopped')
      await this.giveUp(deviceId)
      await this.deps.sessions.delete(deviceId)
      this.deps.bus.publish('session.deleted', { deviceId })
    })
  }

  /**
   * Runs a session whose lease this process just took (several nodes): connects it if it is meant
   * to run. Messages another node was sending when it died are queued again by the outbox.
   */
  adopt(deviceId: string): Promise<void> {
    return this.lock.run(deviceId, async () => {
      // From the database, not the cache: the node that started it may not have told us yet.
      const record = await this.deps.sessions.refresh(deviceId)
      // The lease may have been lost while the database was being asked.
      if (this.shuttingDown || record?.desiredState !== 'running' || !this.placement.holds(deviceId)) return
      this.runtimeFor(deviceId).start()
    })
  }

  /**
   * Stops running a session here without changing what it should do (its lease is lost, or handed
   * to another node): the socket closes without logging out, and its last writes land before this resolves.
   */
  release(deviceId: string): Promise<void> {
    // The socket closes now, not after whatever holds the session's lock: that may be a write to a
    // database that is gone, while the lease runs out and another node connects.
    this.runtimes.get(deviceId)?.stop()
    return this.lock.run(deviceId, async () => {
      this.runtimes.get(deviceId)?.stop()
      this.runtimes.delete(deviceId)
      this.announced.delete(deviceId)
      await this.deps.connector.flush(deviceId)
    })
  }

  /** How many sessions this node runs, by connection state, without describing each: /metrics asks on every scrape. */
  countsHere(): Map<ConnectionState, number> {
    const counts = new Map<ConnectionState, number>(CONNECTION_STATES.map((state) => [state, 0]))
    for (const record of this.deps.sessions.list()) {
      if (!this.placement.holds(record.deviceId)) continue
      const state = this.runtimes.get(record.deviceId)?.connectionState ?? 'disconnected'
      counts.set(state, counts.get(state)! + 1)
    }
    return counts
  }

  /** Whether this process runs the session (always, on a single node). */
  runsHere(deviceId: string): boolean {
    return this.placement.holds(deviceId)
  }

  /** With several nodes there is no restore: sessions come as leases are taken. Ready from now on. */
  markRestored(): void {
    this.restored = true
  }

  /** A 409 unless the session is connected, wherever it runs. */
  requireConnected(deviceId: string): void {
    const state = this.get(deviceId).connectionState
    if (state !== 'connected') throw conflict(`Session "${deviceId}" is not connected (state: ${state})`, { connectionState: state })
  }

  /** The session's open connection; a 404 for an unknown session, a 409 when it is not connected. */
  requireConnection(deviceId: string): WhatsAppConnection {
    this.requireRecord(deviceId)
    const connection = this.liveConnection(deviceId)
    if (!connection) {
      const state = this.runtimes.get(deviceId)?.snapshot().state ?? 'disconnected'
      throw conflict(`Session "${deviceId}" is not connected (state: ${state})`, { connectionState: state })
    }
    return connection
  }

  /** The session's open connection, or null when it is not connected. */
  liveConnection(deviceId: string): WhatsAppConnection | null {
    return this.runtimes.get(deviceId)?.liveConnection ?? null
  }

  /** Starts every session meant to be running, a few at a time, each slot waiting for its session to settle. */
  async restore(): Promise<void> {
    const pending = this.deps.sessions.list().filter((record) => record.desiredState === 'running')
    this.deps.logger.info({ sessions: pending.length }, 'restoring sessions')
    const worker = async (): Promise<void> => {
      for (let record = pending.shift(); record && !this.shuttingDown; record = pending.shift()) {
        const runtime = await this.lock.run(record.deviceId, () => {
          if (this.deps.sessions.get(record.deviceId)?.desiredState !== 'running') return undefined
          const runtime = this.runtimeFor(record.deviceId)
          runtime.start()
          return runtime
        })
        await runtime?.waitUntilSettled(RESTORE_SETTLE_TIMEOUT_MS)
      }
    }
    await Promise.all(Array.from({ length: this.deps.restoreConcurrency }, worker))
    this.restored = true
    this.deps.logger.info('sessions restored')
  }

  /** After a stop, logout or delete through the API: its socket's writes land, then another node may take it. */
  private async giveUp(deviceId: string): Promise<void> {
    await this.deps.connector.flush(deviceId)
    await this.placement.relinquish(deviceId)
  }

  /** Closes every socket without logging out, so sessions resume after the next start. */
  /** Resolves once the closed sockets' last writes have landed. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true
    for (const runtime of this.runtimes.values()) runtime.stop()
    await Promise.all([...this.runtimes.keys()].map((deviceId) => this.deps.connector.flush(deviceId)))
  }

  /** Records what a socket reported; the session may be deleted meanwhile, which is not an error worth more than a line. */
  private persist(write: Promise<void>): void {
    write.catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not record a session change'))
  }

  private requireRecord(deviceId: string): SessionRecord {
    const record = this.deps.sessions.get(deviceId)
    if (!record) throw sessionNotFound(deviceId)
    return record
  }

  /** What every session's runtime reports; one object for all of them, since each call names its session. */
  private readonly runtimeObserver: RuntimeObserver = {
    onStateChange: (id, snapshot) => this.announce(id, snapshot),
    onAccount: (id, account) => this.persist(this.deps.sessions.setAccount(id, account.phoneNumber, account.pushName)),
    onStoppedItself: (id) => {
      if (!this.deps.sessions.get(id)) return
      // Stopped for good (logged out, QR expired): another node must not count it as running here.
      this.persist(this.deps.sessions.setDesiredState(id, 'stopped').then(() => this.lock.run(id, () => this.giveUp(id))))
    },
    onMessageStatus: (id, messageId, status, error) =>
      this.deps.bus.publish('engine.message-status', { deviceId: id, messageId, status, error }),
    onMessageReceived: async (id, message, raw) => {
      if (!isIgnoredChat(message.chat, this.ignoredKinds(id))) await this.deps.bus.publishAndWait('engine.message-received', { deviceId: id, message, raw })
    },
    onPresence: (id, update) => this.deps.bus.publish('presence.update', { deviceId: id, ...update }),
    onHistory: (id, batch) => {
      const ignore = this.ignoredKinds(id)
      this.deps.bus.publish('engine.history', {
        deviceId: id,
        batch: {
          ...batch,
          chats: batch.chats.filter(({ jid }) => !isIgnoredChat(jid, ignore)),
          messages: batch.messages.filter(({ message }) => !isIgnoredChat(message.chat, ignore)),
        },
      })
    },
    onChatEvents: (id, events) => this.deps.bus.publish('engine.chat-events', { deviceId: id, events }),
    onCall: (id, call) => this.deps.bus.publish('call.received', { deviceId: id, ...call }),
    onGroupEvent: (id, event) => this.deps.bus.publish('group.changed', { deviceId: id, event }),
    onLabelEvent: (id, event) => this.deps.bus.publish('engine.label-event', { deviceId: id, event }),
    onDisconnect: (id, code, reaction) => this.deps.bus.publish('session.disconnected', { deviceId: id, code, reaction }),
  }

  private runtimeFor(deviceId: string): SessionRuntime {
    let runtime = this.runtimes.get(deviceId)
    if (!runtime) {
      runtime = new SessionRuntime(deviceId, {
        connector: this.deps.connector,
        gate: this.gate,
        reconnect: this.deps.reconnect,
        logger: this.deps.logger.child({ deviceId }),
        settings: () => connectionSettingsOf(this.deps.sessions.get(deviceId), this.deps.settingsDefaults),
        observer: this.runtimeObserver,
      })
      this.runtimes.set(deviceId, runtime)
    }
    return runtime
  }

  private ignoredKinds(deviceId: string): IgnoredKinds {
    return this.deps.sessions.get(deviceId)?.behaviour.ignore ?? NO_IGNORED_KINDS
  }

  /** Publishes what changed: the state when it differs from the last one announced, and each new QR code. */
  private announce(deviceId: string, snapshot: RuntimeSnapshot): void {
    const last = this.announced.get(deviceId)
    if (last?.state !== snapshot.state) {
      this.deps.bus.publish('session.status', { deviceId, state: snapshot.state, lastError: snapshot.lastError })
    }
    if (snapshot.qr && snapshot.qr.code !== last?.qr) {
      this.deps.bus.publish('session.qr', { deviceId, qr: snapshot.qr.code, expiresAt: snapshot.qr.expiresAt })
    }
    this.announced.set(deviceId, { state: snapshot.state, qr: snapshot.qr?.code })
    this.placement.publish(deviceId, snapshot)
  }

  /** The session's live state: its runtime's here, or what the node holding it published. */
  private snapshotOf(deviceId: string): RuntimeSnapshot | undefined {
    return this.placement.holds(deviceId) ? this.runtimes.get(deviceId)?.snapshot() : this.placement.publishedSnapshot(deviceId)
  }

  private describeRecord(record: SessionRecord, snapshot = this.snapshotOf(record.deviceId)): SessionInfo {
    const { deviceId, connectionState, phoneNumber, pushName, createdAt } = listedSession(record, snapshot)
    return {
      deviceId,
      connectionState,
      isActive: record.desiredState === 'running',
      hasApiKey: record.apiKeyHash !== null,
      apiKeyPrefix: record.apiKeyPrefix,
      phoneNumber,
      pushName,
      qr: snapshot?.qr ?? null,
      lastError: snapshot?.lastError ?? null,
      settings: settingsOf(record),
      createdAt,
    }
  }
}

/** What the list filters and orders a session by, from its record and live state; the record and state ride along for the page's full descriptions. */
function listedSession(record: SessionRecord, snapshot: RuntimeSnapshot | undefined): ListedSession & { record: SessionRecord; snapshot: RuntimeSnapshot | undefined } {
  return {
    record,
    snapshot,
    deviceId: record.deviceId,
    createdAt: record.createdAt,
    connectionState: snapshot?.state ?? 'disconnected',
    phoneNumber: snapshot?.account?.phoneNumber ?? record.phoneNumber,
    pushName: snapshot?.account?.pushName ?? record.pushName,
  }
}
