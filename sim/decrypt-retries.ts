import { encodeBigEndian, type BinaryNode } from '@whiskeysockets/baileys'

/** Retry receipts a phone sends for one message before it gives up on it, as WhatsApp phones do. */
export const MAX_RETRY_RECEIPTS = 5

/** Messages tracked at most; the oldest are forgotten first so a long run does not grow without bound. */
const MAX_TRACKED = 10_000

/**
 * Counts the retry receipts the sim's phones sent for messages they could not decrypt, per
 * (sender, recipient, message id), so each message is retried at most MAX_RETRY_RECEIPTS times.
 */
export class DecryptRetries {
  private readonly counts = new Map<string, number>()
  private sent = 0

  /** The count for the next retry receipt about `key`, or undefined once the phone has given up on it. */
  next(key: string): number | undefined {
    const count = (this.counts.get(key) ?? 0) + 1
    this.counts.delete(key)
    this.counts.set(key, count)
    if (this.counts.size > MAX_TRACKED) this.counts.delete(this.counts.keys().next().value!)
    if (count > MAX_RETRY_RECEIPTS) return undefined
    this.sent++
    return count
  }

  /** The message decrypted after all: forget its retries. */
  settle(key: string): void {
    this.counts.delete(key)
  }

  /** Retry receipts sent so far. */
  get total(): number {
    return this.sent
  }
}

export interface RetryReceipt {
  /** the recipient's jid as the client addressed it (the group for group messages) */
  from: string
  /** group messages: the participant whose phone asks */
  participant?: string
  id: string
  count: number
  registrationId: number
  /** <type>, <identity>, <key>, <skey> of the asking phone (see SignalPeer.retryKeys) */
  keys: BinaryNode[]
}

/**
 * `<receipt type="retry">` as a phone sends it when it cannot decrypt a message: no `recipient`
 * attribute (Baileys then takes it as about its own message), a key bundle so the sender can
 * start a fresh session (extractE2ESessionFromRetryReceipt) and re-send as a pkmsg.
 */
export function retryReceiptNode(retry: RetryReceipt): BinaryNode {
  const t = String(Math.floor(Date.now() / 1000))
  return {
    tag: 'receipt',
    attrs: { from: retry.from, id: retry.id, type: 'retry', t, ...(retry.participant ? { participant: retry.participant } : {}) },
    content: [
      { tag: 'retry', attrs: { count: String(retry.count), id: retry.id, t, v: '1' } },
      { tag: 'registration', attrs: {}, content: encodeBigEndian(retry.registrationId) },
      { tag: 'keys', attrs: {}, content: retry.keys }
    ]
  }
}
