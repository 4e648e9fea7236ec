/**
 * Limits how many sessions shake hands with WhatsApp at once, so a restore or a mass disconnect
 * (a network blip drops every socket) does not start a thousand handshakes in the same second.
 * A free slot is granted synchronously; otherwise the request waits its turn in order.
 */
export class ConnectGate {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  /** Calls `enter` with a release function as soon as a slot is free; release exactly once. */
  enter(enter: (release: () => void) => void): void {
    if (this.active < this.limit) {
      this.active++
      enter(this.releaser())
    } else {
      this.waiting.push(() => enter(this.releaser()))
    }
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
