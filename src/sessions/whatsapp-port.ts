/** What the session lifecycle needs from a WhatsApp engine. The Baileys adapter implements it. */

export interface LinkedAccount {
  /** The device JID, e.g. 15551234567:7@s.whatsapp.net. */
  jid: string
  phoneNumber: string
  pushName: string | null
}

export interface Disconnect {
  /** The engine's status code (see reconnect-policy.ts), undefined when unknown. */
  code: number | undefined
  reason: string
  /** Every QR code expired without a scan. */
  qrExpired: boolean
}

export interface ConnectionCallbacks {
  /** A new QR code to scan, valid until expiresAt (epoch ms). */
  onQr(qr: string, expiresAt: number): void
  onOpen(account: LinkedAccount): void
  /** Called once when the connection ends for any reason other than our own close(). */
  onClose(disconnect: Disconnect): void
}

export interface SentMessage {
  messageId: string
}

export interface WhatsAppConnection {
  sendText(jid: string, text: string): Promise<SentMessage>
  /** Ends the socket but keeps the link to the phone. */
  close(): void
  /** Unlinks this device from the phone, then ends the socket. */
  logout(): Promise<void>
}

export interface WhatsAppConnector {
  connect(deviceId: string, callbacks: ConnectionCallbacks): WhatsAppConnection
  /** Deletes the session's credentials and keys. */
  forget(deviceId: string): void
}
