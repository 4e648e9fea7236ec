import type {
  ConnectionCallbacks,
  Disconnect,
  LinkedAccount,
  SentMessage,
  WhatsAppConnection,
  WhatsAppConnector,
} from '../../src/sessions/whatsapp-port.js'

/** A connection the test drives by hand: it emits what the test tells it to. */
export class FakeConnection implements WhatsAppConnection {
  closed = false
  loggedOut = false
  readonly sent: Array<{ jid: string; text: string }> = []

  constructor(
    readonly deviceId: string,
    private readonly callbacks: ConnectionCallbacks,
  ) {}

  emitQr(code = 'qr-code', expiresAt = Date.now() + 60_000): void {
    this.callbacks.onQr(code, expiresAt)
  }

  emitOpen(account: LinkedAccount = { jid: '15550001111:7@s.whatsapp.net', phoneNumber: '15550001111', pushName: 'Ann' }): void {
    this.callbacks.onOpen(account)
  }

  emitClose(code: number | undefined, overrides: Partial<Disconnect> = {}): void {
    this.closed = true
    this.callbacks.onClose({ code, reason: `closed with ${code}`, qrExpired: false, ...overrides })
  }

  async sendText(jid: string, text: string): Promise<SentMessage> {
    this.sent.push({ jid, text })
    return { messageId: `MSG${this.sent.length}` }
  }

  close(): void {
    this.closed = true
  }

  async logout(): Promise<void> {
    this.loggedOut = true
    this.closed = true
  }
}

export class FakeConnector implements WhatsAppConnector {
  readonly connections: FakeConnection[] = []
  readonly forgotten: string[] = []

  connect(deviceId: string, callbacks: ConnectionCallbacks): FakeConnection {
    const connection = new FakeConnection(deviceId, callbacks)
    this.connections.push(connection)
    return connection
  }

  forget(deviceId: string): void {
    this.forgotten.push(deviceId)
  }

  /** Connections not closed, i.e. sockets that would be live. */
  open(deviceId: string): FakeConnection[] {
    return this.connections.filter((connection) => connection.deviceId === deviceId && !connection.closed)
  }

  latest(deviceId: string): FakeConnection {
    const found = this.connections.filter((connection) => connection.deviceId === deviceId).at(-1)
    if (!found) throw new Error(`no connection for ${deviceId}`)
    return found
  }
}
