import { getBinaryNodeChildren, type BinaryNode } from '@whiskeysockets/baileys'

/** What a client told WhatsApp besides messages: read receipts, typing, its presence, presence subscriptions. */
export type ClientSignal =
  | { kind: 'read'; from: string; to: string; participant: string | null; ids: string[]; type: 'read' | 'read-self' }
  | { kind: 'chatstate'; from: string; to: string; state: 'composing' | 'recording' | 'paused' }
  | { kind: 'presence'; from: string; state: 'available' | 'unavailable'; name: string | null }
  | { kind: 'subscribe'; from: string; to: string }

/** Every signal clients sent, in order, for tests to assert on (bounded like the inbox). */
export class ClientSignals {
  private readonly seen: ClientSignal[] = []
  private readonly listeners = new Set<(signal: ClientSignal) => void>()

  constructor(private readonly max = 10_000) {}

  record(signal: ClientSignal): void {
    this.seen.push(signal)
    if (this.seen.length > this.max) this.seen.shift()
    for (const listener of this.listeners) listener(signal)
  }

  list(): ClientSignal[] {
    return [...this.seen]
  }

  /** The first signal, already here or still to come, that matches. */
  wait(pred: (signal: ClientSignal) => boolean, timeoutMs: number): Promise<ClientSignal> {
    const existing = this.seen.find(pred)
    if (existing) return Promise.resolve(existing)
    return new Promise((resolve, reject) => {
      const listener = (signal: ClientSignal): void => {
        if (!pred(signal)) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve(signal)
      }
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new Error(`no matching client signal within ${timeoutMs} ms (${this.seen.length} seen)`))
      }, timeoutMs)
      this.listeners.add(listener)
    })
  }
}

/** A read receipt's ids: the stanza's own, then those of its <list><item/></list>. */
export function receiptIds(receipt: BinaryNode): string[] {
  const list = Array.isArray(receipt.content) ? receipt.content.find(child => child.tag === 'list') : undefined
  const more = list ? getBinaryNodeChildren(list, 'item').map(item => item.attrs.id ?? '') : []
  return [receipt.attrs.id ?? '', ...more].filter(Boolean)
}

/** The typing state inside a client's <chatstate>: <composing/>, <composing media="audio"/> or <paused/>. */
export function chatStateOf(node: BinaryNode): 'composing' | 'recording' | 'paused' | undefined {
  const child = Array.isArray(node.content) ? node.content[0] : undefined
  if (child?.tag === 'paused') return 'paused'
  if (child?.tag === 'composing') return child.attrs.media === 'audio' ? 'recording' : 'composing'
  return undefined
}
