import { DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { parseRecipient } from './recipient.js'

export interface SendTextResult {
  to: string
  messageId: string
}

export const MAX_TEXT_LENGTH = 65_536

/** Sends text through a connected session, bounded in time. */
export class MessageSender {
  constructor(
    private readonly sessions: SessionManager,
    private readonly sendTimeoutMs: number,
  ) {}

  async sendText(deviceId: string, number: string, text: string): Promise<SendTextResult> {
    const to = parseRecipient(number)
    if (text.trim().length === 0) throw invalidInput('message must not be empty')
    if (text.length > MAX_TEXT_LENGTH) throw invalidInput(`message must be at most ${MAX_TEXT_LENGTH} characters`)
    const connection = this.sessions.requireConnection(deviceId)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DomainError('timeout', `WhatsApp did not accept the message within ${this.sendTimeoutMs} ms`)),
        this.sendTimeoutMs,
      )
    })
    try {
      const { messageId } = await Promise.race([connection.sendText(to, text), timeout])
      return { to, messageId }
    } catch (error) {
      if (error instanceof DomainError) throw error
      throw new DomainError('unavailable', `WhatsApp could not send the message: ${(error as Error).message}`)
    } finally {
      clearTimeout(timer)
    }
  }
}
