/**
 * Cooperative yielding for work that runs as one long promise chain. With SQLite every key read
 * resolves at once, so Baileys' and libsignal's awaits never give the event loop back: when many
 * sessions were ready together (a restore; or libsignal's job queue, which is per contact address
 * across all sessions, releasing twenty sessions' session set-ups one after the other) their work
 * ran as one turn of 100-200 ms, and nothing else (HTTP, timers, keep-alives) ran meanwhile.
 *
 * `pause()` resolves at once while the current turn has used less than the budget. Past it, the
 * caller continues in a later turn, after I/O and timers had their go; callers deferred this way
 * are let through in the order they paused, and a new caller queues behind them. A turn is counted
 * from the first pause() in it until the loop's next check phase.
 */
export class TurnBudget {
  private turnStartedAt: number | null = null
  /** Callers deferred to a later turn and not let through yet. */
  private deferred = 0
  private readonly endTurn = (): void => {
    this.turnStartedAt = null
  }

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  pause(): Promise<void> {
    if (this.deferred === 0 && this.admit()) return Promise.resolve()
    this.deferred++
    return new Promise((resolve) => this.retryLater(resolve))
  }

  /** Each retry is an immediate of its own, so the work let through before it counts against the turn. */
  private retryLater(resolve: () => void): void {
    setImmediate(() => {
      if (!this.admit()) return this.retryLater(resolve)
      this.deferred--
      resolve()
    })
  }

  private admit(): boolean {
    const now = this.now()
    if (this.turnStartedAt === null) {
      this.turnStartedAt = now
      setImmediate(this.endTurn)
      return true
    }
    return now - this.turnStartedAt < this.budgetMs
  }
}
