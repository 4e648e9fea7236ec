import type { Logger } from 'pino'
import type { InboundMessage } from '../messaging/inbound-message.js'
import type { GroupEvent } from './groups-port.js'
import type { LabelEvent } from './labels-port.js'
import type { ConnectGate } from './connect-gate.js'
import type { ConnectionSettings } from './session-settings.js'
import { describeStorageFailure } from '../store/storage-failure.js'
import { decideReaction, DisconnectCode, isOutage, type ReconnectOptions } from './reconnect-policy.js'
import type {
  ChatEvent,
  Disconnect,
  EngineMessageStatus,
  HistoryBatch,
  IncomingCall,
  LinkedAccount,
  PresenceUpdate,
  WhatsAppConnection,
  WhatsAppConnector,
} from './whatsapp-port.js'
import { WhatsAppUnreachableError } from './whatsapp-port.js'

export const CONNECTION_STATES = [
  'disconnected',
  'connecting',
  'qr',
  'connected',
  'reconnecting',
  'logged_out',
  'failed',
] as const
export type ConnectionState = (typeof CONNECTION_STATES)[number]

/** States in which the session will not move again until someone calls start. */
const SETTLED_STATES: ReadonlySet<ConnectionState> = new Set(['connected', 'qr', 'disconnected', 'logged_out', 'failed'])

export interface QrCode {
  code: string
  expiresAt: number
}

export interface RuntimeSnapshot {
  state: ConnectionState
  qr: QrCode | null
  account: LinkedAccount | null
  lastError: string | null
}

export interface RuntimeObserver {
  onStateChange(deviceId: string, snapshot: RuntimeSnapshot): void
  onAccount(deviceId: string, account: LinkedAccount): void
  /** The session ended in a state that a restart should not resume (logged out, QR expired). */
  onStoppedItself(deviceId: string): void
  onMessageStatus(deviceId: string, messageId: string, status: EngineMessageStatus, error: string | null): void
  onMessageReceived(deviceId: string, message: InboundMessage, raw: Uint8Array | null): Promise<void>
  onPresence(deviceId: string, update: PresenceUpdate): void
  onHistory(deviceId: string, batch: HistoryBatch): void
  onChatEvents(deviceId: string, events: ChatEvent[]): void
  onCall(deviceId: string, call: IncomingCall): void
  onGroupEvent(deviceId: string, event: GroupEvent): void
  onLabelEvent(deviceId: string, event: LabelEvent): void
  onDisconnect(deviceId: string, code: number | undefined, reaction: string): void
}

export interface RuntimeDeps {
  connector: WhatsAppConnector
  /** Shared by all sessions: bounds concurrent handshakes. */
  gate: ConnectGate
  reconnect: ReconnectOptions
  observer: RuntimeObserver
  logger: Logger
  /** Read at each connect, so a changed proxy or device name applies to the next socket. */
  settings: () => ConnectionSettings
}

/**
 * One session's connection lifecycle. Every socket gets an attempt token; callbacks from a socket
 * whose token is no longer current are ignored, so a stopped or replaced socket can never revive
 * the session or start a second socket.
 */
export class SessionRuntime {
  private state: ConnectionState = 'disconnected'
  private qr: QrCode | null = null
  private account: LinkedAccount | null = null
  private lastError: string | null = null
  private connection: WhatsAppConnection | null = null
  private currentAttempt: object | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private attempt = 0
  private replacedCount = 0
  /** Of the attempts, those that ended in an outage (see isOutage): they do not count toward giving up. */
  private outageCount = 0
  private settledWaiters: Array<() => void> = []

  constructor(
    readonly deviceId: string,
    private readonly deps: RuntimeDeps,
  ) {}

  snapshot(): RuntimeSnapshot {
    return { state: this.state, qr: this.qr, account: this.account, lastError: this.lastError }
  }

  /** The account's name changed (set through this session, or learned from WhatsApp): shown and stored at once. */
  renameAccount(pushName: string): void {
    if (!this.account || this.account.pushName === pushName) return
    this.account = { ...this.account, pushName }
    this.deps.observer.onAccount(this.deviceId, this.account)
  }

  get connectionState(): ConnectionState {
    return this.state
  }

  /** The live connection, only while connected. */
  get liveConnection(): WhatsAppConnection | null {
    return this.state === 'connected' ? this.connection : null
  }

  /** The socket of a session that is up but not linked yet (showing a QR), for pairing by code. */
  get unlinkedConnection(): WhatsAppConnection | null {
    return this.state === 'qr' ? this.connection : null
  }

  /** Starts connecting unless a socket is already open or opening; a pending retry is brought forward. */
  start(): void {
    if (this.currentAttempt) return
    this.clearRetry()
    this.resetAttempts()
    this.replacedCount = 0
    this.open()
  }

  /** Ends the socket and any pending retry; credentials are kept. */
  stop(): void {
    // Stopped already: no second "disconnected" to announce.
    if (this.state === 'disconnected' && !this.connection && !this.currentAttempt && !this.retryTimer) return
    this.endConnection()
    this.qr = null
    this.setState('disconnected')
  }

  /** Unlinks from the phone when connected, then wipes the credentials. */
  async logout(): Promise<void> {
    const linked = this.liveConnection
    if (linked) {
      this.currentAttempt = null
      this.connection = null
      try {
        await linked.logout()
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'logout request failed; wiping credentials anyway')
        linked.close()
      }
    }
    this.endConnection()
    await this.deps.connector.forget(this.deviceId)
    this.qr = null
    this.account = null
    this.lastError = null
    this.setState('logged_out')
  }

  /**
   * Resolves when the session is not in the middle of a handshake: it reached a state it stays in
   * without outside action, or it is waiting out a reconnect delay; or after timeoutMs.
   */
  waitUntilSettled(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      const waiter = (): void => done()
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.settledWaiters.push(waiter)
    })
  }

  /** Opens a socket once the gate grants a slot; the slot is held until the handshake ends (QR, open or close). */
  private open(): void {
    const attemptToken = {}
    this.currentAttempt = attemptToken
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting')
    const isCurrent = (): boolean => this.currentAttempt === attemptToken
    this.deps.gate.enter((release) => {
      // Stopped or replaced while waiting for a slot.
      if (!isCurrent()) return release()
      this.connect(isCurrent, release).then(
        (connection) => {
          // Stopped or replaced while the credentials loaded: its close event will be ignored.
          if (isCurrent()) this.connection = connection
          else connection.close()
        },
        (error: unknown) => {
          release()
          if (!isCurrent()) return
          this.currentAttempt = null
          // WhatsApp unreachable or the database down are outages (retried for as long as they last); anything else counts toward giving up.
          const code = error instanceof WhatsAppUnreachableError ? DisconnectCode.timedOut : describeStorageFailure(error) ? DisconnectCode.unavailableService : undefined
          this.handleClose({ code, reason: `Could not open the connection: ${(error as Error).message}`, qrExpired: false })
        },
      )
    })
  }

  private connect(isCurrent: () => boolean, release: () => void): Promise<WhatsAppConnection> {
    return this.deps.connector.connect(this.deviceId, this.deps.settings(), {
      onQr: (code, expiresAt) => {
        release()
        if (!isCurrent()) return
        this.qr = { code, expiresAt }
        this.setState('qr')
      },
      onOpen: (account) => {
        release()
        if (!isCurrent()) return
        this.resetAttempts()
        this.replacedCount = 0
        this.qr = null
        this.lastError = null
        this.account = account
        this.deps.observer.onAccount(this.deviceId, account)
        this.setState('connected')
      },
      onRenamed: (pushName) => {
        if (isCurrent()) this.renameAccount(pushName)
      },
      // Acks from a socket being replaced are still true statements about those messages.
      onMessageStatus: (messageId, status, error) => this.deps.observer.onMessageStatus(this.deviceId, messageId, status, error),
      onMessageReceived: (message, raw) => this.deps.observer.onMessageReceived(this.deviceId, message, raw),
      onPresence: (update) => this.deps.observer.onPresence(this.deviceId, update),
      onHistory: (batch) => this.deps.observer.onHistory(this.deviceId, batch),
      onChatEvents: (events) => this.deps.observer.onChatEvents(this.deviceId, events),
      onCall: (call) => this.deps.observer.onCall(this.deviceId, call),
      onGroupEvent: (event) => this.deps.observer.onGroupEvent(this.deviceId, event),
      onLabelEvent: (event) => this.deps.observer.onLabelEvent(this.deviceId, event),
      onClose: (disconnect) => {
        release()
        if (!isCurrent()) return
        this.currentAttempt = null
        this.connection = null
        this.qr = null
        this.handleClose(disconnect)
      },
    })
  }

  private handleClose(disconnect: Disconnect): void {
    const { logger, reconnect, observer } = this.deps
    this.attempt += 1
    if (disconnect.code === 440) this.replacedCount += 1
    if (isOutage(disconnect.code)) this.outageCount += 1
    const reaction = decideReaction(
      { code: disconnect.code, qrExpired: disconnect.qrExpired, attempt: this.attempt, outageCount: this.outageCount, replacedCount: this.replacedCount },
      reconnect,
    )
    logger.info({ code: disconnect.code, reason: disconnect.reason, reaction: reaction.kind }, 'connection closed')
    observer.onDisconnect(this.deviceId, disconnect.code, reaction.kind)
    this.lastError = disconnect.reason
    switch (reaction.kind) {
      case 'reconnect-now':
        this.resetAttempts()
        this.open()
        return
      case 'reconnect-later':
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null
          this.open()
        }, reaction.delayMs)
        this.setState('reconnecting')
        return
      case 're-pair': {
        this.account = null
        this.resetAttempts()
        // Hold the attempt slot while the old credentials go, so start() does not open on them.
        const repairing = {}
        this.currentAttempt = repairing
        void this.forgetCredentials().then(() => {
          if (this.currentAttempt === repairing) this.open()
        })
        return
      }
      case 'logged-out':
        void this.forgetCredentials()
        this.account = null
        this.lastError = 'Logged out from the phone'
        this.setState('logged_out')
        observer.onStoppedItself(this.deviceId)
        return
      case 'wait-for-start':
        this.lastError = reaction.reason
        this.setState('disconnected')
        observer.onStoppedItself(this.deviceId)
        return
      case 'fail':
        // The last cause stays in view: "gave up" alone would not say what to fix (a proxy, the network).
        this.lastError = `${reaction.reason}: ${disconnect.reason}`
        this.setState('failed')
        return
    }
  }

  private async forgetCredentials(): Promise<void> {
    try {
      await this.deps.connector.forget(this.deviceId)
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not delete the credentials')
    }
  }

  private endConnection(): void {
    const connection = this.connection
    this.currentAttempt = null
    this.connection = null
    this.clearRetry()
    connection?.close()
  }

  private isIdle(): boolean {
    return SETTLED_STATES.has(this.state) || this.retryTimer !== null
  }

  private resetAttempts(): void {
    this.attempt = 0
    this.outageCount = 0
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private setState(state: ConnectionState): void {
    this.state = state
    this.deps.observer.onStateChange(this.deviceId, this.snapshot())
    if (this.isIdle()) {
      const waiters = this.settledWaiters
      this.settledWaiters = []
      for (const waiter of waiters) waiter()
    }
  }
}
