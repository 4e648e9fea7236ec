/**
 * Limits how many sessions shake hands with WhatsApp at once, and how many start per second, so a
 * restore or a mass disconnect (a network blip drops every socket) does not start a thousand
 * handshakes in the same second. The rate matters when WhatsApp is unreachable: each attempt then
 * ends within a millisecond, so slots alone would let every session build its socket (the costly
 * part, seconds of CPU for a thousand) in one burst that stalls the event loop.
 * A free slot with a start to spare is granted synchronously; otherwise the request waits its turn in order.
 */
export class ConnectGate {
  private active = 0
  private tokens: number
  private refilledAt: number
  private readonly waiting: Array<(release: () => void) => void> = []
  private draining = false
  private timer: NodeJS.Timeout | null = null

  /**
   * @param limit handshakes at once
   * @param startsPerSecond handshakes started per second on average (bursts of up to `limit`)
   */
  constructor(
    private readonly limit: number,
    private readonly startsPerSecond: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit
    this.refilledAt = now()
  }

  /** Calls `enter` with a release function as soon as a slot is free; release exactly once. */
  enter(enter: (release: () => void) => void): void {
    this.waiting.push(enter)
    this.drain()
  }

  /** Grants what slots and the rate allow, in order; a release during a grant is picked up by the same loop. */
  private drain(): void {
    if (this.draining) return
    this.draining = true
    try {
      this.refill()
      while (this.waiting.length > 0 && this.active < this.limit && this.tokens >= 1) {
        this.tokens -= 1
        this.active++
        const grant = { open: true }
        this.waiting.shift()!(this.releaser(grant))
        grant.open = false
        this.refill()
      }
    } finally {
      this.draining = false
    }
    if (this.waiting.length > 0 && this.active < this.limit && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.drain()
      }, Math.ceil(((1 - this.tokens) * 1000) / this.startsPerSecond))
    }
  }

  private refill(): void {
    if (this.startsPerSecond === Number.POSITIVE_INFINITY) {
      this.tokens = this.limit
      return
    }
    const now = this.now()
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.refilledAt) * this.startsPerSecond) / 1000)
    this.refilledAt = now
  }

  /** Releases one slot; a grant given back before it returned (a session stopped while it waited) also returns its start. */
  private releaser(grant: { open: boolean }): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      this.active--
      if (grant.open) this.tokens = Math.min(this.limit, this.tokens + 1)
      this.drain()
    }
  }
}
