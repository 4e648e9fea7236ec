import type { proto } from '@whiskeysockets/baileys'
import type { MediaFile } from './media-messages.js'

export interface ReceivedMessage {
  id: string
  /** sender account phone number */
  from: string
  /** recipient jid as the client addressed it */
  to: string
  message: proto.IMessage
  text?: string
  /** set when the message went to a group: the group jid (also in `to`) */
  group?: string
  /** group messages and status updates: phone numbers of the participants (viewers) whose phones decrypted it */
  decryptedBy?: string[]
  /** media messages: the file, downloaded from the media host and decrypted */
  media?: MediaFile
  at: number
}

interface Waiter {
  pred: (m: ReceivedMessage) => boolean
  resolve: (m: ReceivedMessage) => void
}

/** Every message clients sent that the sim decrypted, and the tests waiting for one. */
export class Inbox {
  private readonly messages: ReceivedMessage[] = []
  private readonly byId = new Map<string, ReceivedMessage>()
  private waiters: Waiter[] = []
  private readonly listeners = new Set<(m: ReceivedMessage) => void>()
  private duplicates = 0

  /**
   * Records a message unless its sender already delivered one with this id: like a real phone, the
   * recipient shows a message once however often it arrives (a sender may resend after a crash).
   */
  record(message: ReceivedMessage): void {
    const earlier = this.byId.get(message.id)
    if (earlier && earlier.from === message.from) {
      this.duplicates++
      // a group participant that could not read the first copy read this one (after a retry)
      if (earlier.decryptedBy && message.decryptedBy) {
        for (const phone of message.decryptedBy) if (!earlier.decryptedBy.includes(phone)) earlier.decryptedBy.push(phone)
      }
      return
    }
    this.messages.push(message)
    this.byId.set(message.id, message)
    this.waiters = this.waiters.filter(w => {
      if (!w.pred(message)) return true
      w.resolve(message)
      return false
    })
    for (const listener of this.listeners) listener(message)
  }

  /**
   * Whether the phone of `phone` already shows message `id` from `from`: for a group message,
   * whether `phone` is among the participants that decrypted it.
   */
  shows(from: string, id: string, phone: string): boolean {
    const earlier = this.byId.get(id)
    return earlier?.from === from && (earlier.decryptedBy?.includes(phone) ?? true)
  }

  /** A copy of a message already here arrived, and nobody needed it. */
  countDuplicate(): void {
    this.duplicates++
  }

  /** Calls `listener` for every message recorded from now on; returns the unsubscribe function. */
  subscribe(listener: (m: ReceivedMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Copies dropped because their id had already arrived from the same sender. */
  duplicateCount(): number {
    return this.duplicates
  }

  all(): ReceivedMessage[] {
    return [...this.messages]
  }

  get(id: string): ReceivedMessage | undefined {
    return this.byId.get(id)
  }

  wait(pred: (m: ReceivedMessage) => boolean, timeoutMs: number): Promise<ReceivedMessage> {
    const existing = this.messages.find(pred)
    if (existing) return Promise.resolve(existing)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: m => {
          clearTimeout(timer)
          resolve(m)
        }
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter(w => w !== waiter)
        reject(new Error(`no matching message within ${timeoutMs} ms (${this.messages.length} received)`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }
}

/** Text carried by the common message shapes, for assertions. */
export function textOf(message: proto.IMessage): string | undefined {
  return (
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    undefined
  )
}
