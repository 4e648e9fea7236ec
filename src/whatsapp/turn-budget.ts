/** Callers a turn may let through at first, before it has shown room for more. */
const FIRST_SLOTS = 64
/** The most callers let through in one turn, however cheap each is. */
const MAX_SLOTS = 4096

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
 *
 * Deferred callers are let through by slots, each an immediate of its own, so the microtasks of the
 * caller let through before run (and count against the turn) before the next slot decides. Only so
 * many slots are set per turn, not one per waiting caller: thousands of callers waiting would
 * otherwise each be looked at, and set again, in every turn.
 */
export class TurnBudget {
  private turnStartedAt: number | null = null
  /** Callers deferred to a later turn and not let through yet, oldest first. */
  private readonly waiting: Array<() => void> = []
  /** Slots set and not run yet. */
  private slots = 0
  /** Slots to set per turn: doubled whenever a turn let through as many callers as it had slots. */
  private slotsPerTurn = FIRST_SLOTS
  private readonly endTurn = (): void => {
    this.turnStartedAt = null
  }

  private readonly slot = (): void => {
    this.slots--
    if (this.waiting.length === 0) return
    if (!this.admit()) return this.setSlots()
    this.waiting.shift()!()
    if (this.slots === 0 && this.waiting.length > 0) {
      this.slotsPerTurn = Math.min(MAX_SLOTS, this.slotsPerTurn * 2)
      this.setSlots()
    }
  }

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  pause(): Promise<void> {
    if (this.waiting.length === 0 && this.admit()) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.setSlots()
    })
  }

  /** Slots for the waiting callers, up to the turn's share; an immediate set now runs in the next check phase. */
  private setSlots(): void {
    const missing = Math.min(this.waiting.length, this.slotsPerTurn) - this.slots
    for (let index = 0; index < missing; index++) {
      this.slots++
      setImmediate(this.slot)
    }
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
