import type { BinaryNode } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'
import type { LinkedDevice } from './accounts.js'
import type { LiveConnections, LiveSocket } from './live-connections.js'

/** Receipts kept at most per offline device; past that the oldest are dropped. */
export const MAX_QUEUED_RECEIPTS = 1_000

/** A FIFO with a cap: adding past it drops the oldest items. */
export class BoundedQueue<T> {
  private items: T[] = []

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`queue limit must be a positive integer, not ${limit}`)
  }

  get size(): number {
    return this.items.length
  }

  /** Appends `item`; returns what was dropped to make room (oldest first). */
  push(item: T): T[] {
    this.items.push(item)
    return this.trim()
  }

  /**
   * Puts `items` back in front of what is queued, as older than it (a socket closed before they
   * were acked); returns what was dropped to stay within the limit (oldest first).
   */
  unshift(items: T[]): T[] {
    this.items = [...items, ...this.items]
    return this.trim()
  }

  /** Takes everything, oldest first. */
  drain(): T[] {
    const items = this.items
    this.items = []
    return items
  }

  private trim(): T[] {
    const excess = this.items.length - this.limit
    return excess > 0 ? this.items.splice(0, excess) : []
  }
}

/** What ReceiptDelivery needs of a client socket. */
export interface ReceiptSocket extends LiveSocket {
  readonly linked?: LinkedDevice
  /** writes a receipt the client must ack; false when the socket cannot take it (not active, closing) */
  sendReceipt(receipt: BinaryNode, offline: boolean): boolean
}

/**
 * Receipts the contacts' phones send to one linked device (retry receipts above all, but also
 * delivery and read receipts). A device with no live, active socket gets them on its next login,
 * in order and marked offline, before its offline messages, as WhatsApp queues stanzas for an
 * offline device. A socket that closes before acking a receipt gives it back here (see
 * Connection.onClose), so a receipt that raced a dying socket is not lost either.
 *
 * Queues belong to the LinkedDevice: re-linking the device replaces that object, which drops them;
 * unlinking drops them explicitly (forget).
 */
export class ReceiptDelivery<S extends ReceiptSocket> {
  private readonly queues = new WeakMap<LinkedDevice, BoundedQueue<BinaryNode>>()
  /** Accounts whose receipts are held back (a test's fault): kept as for an offline device until released. */
  private readonly held = new Set<string>()

  constructor(
    private readonly live: LiveConnections<S>,
    private readonly logger: Logger,
    private readonly limit = MAX_QUEUED_RECEIPTS
  ) {}

  /** Sends `receipt` to the device's live socket, or keeps it for the device's next login. */
  send(phoneNumber: string, device: LinkedDevice, receipt: BinaryNode): void {
    if (device.removed) return
    if (this.held.has(phoneNumber) || !this.sendLive(phoneNumber, device, receipt)) this.keep(phoneNumber, device, queue => queue.push(receipt))
  }

  /** Holds the account's receipts back, or (off) sends what was held to its live sockets. */
  hold(phoneNumber: string, on: boolean): void {
    if (on) return void this.held.add(phoneNumber)
    this.held.delete(phoneNumber)
    for (const conn of this.live.sockets(phoneNumber)) this.flush(conn)
  }

  /**
   * Receipts a socket of the device wrote but never saw acked (it closed): to the device's live
   * socket if it has another one by now, else ahead of anything queued since.
   */
  giveBack(phoneNumber: string, device: LinkedDevice, receipts: BinaryNode[]): void {
    if (device.removed) return
    const unsent = this.held.has(phoneNumber) ? 0 : receipts.findIndex(receipt => !this.sendLive(phoneNumber, device, receipt))
    if (unsent >= 0) this.keep(phoneNumber, device, queue => queue.unshift(receipts.slice(unsent)))
  }

  /** The device logged in and turned active on `conn`: sends what was kept for it; returns how many. */
  flush(conn: S): number {
    const device = conn.linked
    const queue = device && this.queues.get(device)
    if (!device || !queue || this.held.has(conn.phoneNumber!)) return 0
    this.queues.delete(device)
    const receipts = queue.drain()
    const unsent = receipts.findIndex(receipt => !conn.sendReceipt(receipt, true))
    if (unsent < 0) return receipts.length
    // the socket went away meanwhile: keep the rest for the next login
    this.keep(conn.phoneNumber!, device, q => q.unshift(receipts.slice(unsent)))
    return unsent
  }

  /** Receipts kept for the device. */
  queued(device: LinkedDevice): number {
    return this.queues.get(device)?.size ?? 0
  }

  /** The device was unlinked: nothing kept for it will ever be delivered. */
  forget(device: LinkedDevice): void {
    this.queues.delete(device)
  }

  /** Writes to the device's newest socket that takes it (logged in, active, open). */
  private sendLive(phoneNumber: string, device: LinkedDevice, receipt: BinaryNode): boolean {
    const sockets = this.live.sockets(phoneNumber).filter(conn => conn.linked === device)
    return sockets.reverse().some(conn => conn.sendReceipt(receipt, false))
  }

  private keep(phoneNumber: string, device: LinkedDevice, add: (queue: BoundedQueue<BinaryNode>) => BinaryNode[]): void {
    let queue = this.queues.get(device)
    if (!queue) this.queues.set(device, (queue = new BoundedQueue(this.limit)))
    for (const dropped of add(queue)) {
      this.logger.warn(
        { phoneNumber, device: device.device, limit: this.limit, receipt: dropped.attrs },
        'receipt queue of offline device full, dropping the oldest'
      )
    }
  }
}
