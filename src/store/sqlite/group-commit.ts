import type { SqliteDatabase } from './database.js'

interface PendingWrite {
  write: () => unknown
  /** Undoes itself when it fails (see runAtomic), so it needs no savepoint of the batch's. */
  atomic: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

export interface WriteTiming {
  /** Commit at this turn's check phase, not the next turn's: someone waits on it to answer. */
  thisTurn?: boolean
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * Group commit: writes asked for in the same event-loop turn, or in the next, run in one transaction,
 * each in its own savepoint, so turns that handle a burst of requests, acks and receipts commit once
 * instead of once per message (every commit takes file locks and writes WAL frames). A write's
 * promise settles after the commit, so whoever awaits it sees it durable; a write that throws is
 * rolled back alone and rejects while the others commit. Writes run in the order they were asked for.
 *
 * A batch commits at the check phase of the loop's next turn, not of this one: what the I/O arriving
 * meanwhile asks for (the next received messages, the webhook receivers' answers) joins it. With
 * nothing arriving that turn costs microseconds. Under load it is what lets the sessions' work fall
 * into step: received texts delivered to webhooks took 0.35-0.48 ms of CPU each instead of 0.6-0.7,
 * and arrived faster, when each batch waited that one turn. A write someone waits on to answer (a
 * send: its API call, its next step) asks for `thisTurn`: the batch then commits at this turn's
 * check phase, carrying along whatever else is pending.
 */
export class GroupCommit {
  private pending: PendingWrite[] = []
  private readonly flushNextTurn = (): void => void setImmediate(() => this.flush())
  private flushThisTurnSet = false
  private readonly flushThisTurn = (): void => {
    this.flushThisTurnSet = false
    this.flush()
  }
  /** Outside a transaction this is BEGIN/COMMIT (a lone write); inside one better-sqlite3 makes it a savepoint. */
  private readonly savepoint: (write: () => unknown) => unknown
  /** Runs a batch of several in one transaction, each write's outcome in the batch's order. */
  private readonly runBatch: (batch: readonly PendingWrite[]) => Outcome[]

  constructor(private readonly db: SqliteDatabase) {
    this.savepoint = db.transaction((write: () => unknown) => write())
    this.runBatch = db.transaction((batch: readonly PendingWrite[]) => batch.map(({ write, atomic }): Outcome => {
      try {
        return { ok: true, value: atomic ? write() : this.savepoint(write) }
      } catch (error) {
        // Some errors (a full disk, an I/O error) roll back the whole transaction: then nothing of the batch is stored.
        if (!this.db.inTransaction) throw error
        return { ok: false, error }
      }
    }))
  }

  run<T>(write: () => T, { thisTurn = false }: WriteTiming = {}): Promise<T> {
    return this.enqueue(write, false, thisTurn)
  }

  /**
   * A write that undoes itself when it fails, leaving the transaction open: a single statement (reads
   * may follow it), which SQLite undoes alone, or a function made with db.transaction, which inside
   * the batch's transaction is a savepoint of its own. It runs without the savepoint (two more
   * statements) that `run` wraps around a write of several.
   */
  runAtomic<T>(write: () => T, { thisTurn = false }: WriteTiming = {}): Promise<T> {
    return this.enqueue(write, true, thisTurn)
  }

  private enqueue<T>(write: () => T, atomic: boolean, thisTurn: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(this.flushNextTurn)
      if (thisTurn && !this.flushThisTurnSet) {
        this.flushThisTurnSet = true
        setImmediate(this.flushThisTurn)
      }
      this.pending.push({ write, atomic, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  /** Commits what is pending now (also before the database closes). */
  flush(): void {
    const batch = this.pending
    if (batch.length === 0) return
    this.pending = []
    let outcomes: Outcome[]
    try {
      // Always an explicit COMMIT, even for one write: in autocommit mode an UPDATE ... RETURNING read
      // with get() commits when the statement is reset, and better-sqlite3 drops a failure there (a
      // full disk): the caller had the row, and the change was gone. A lone write needs no savepoint.
      outcomes = batch.length === 1 ? [{ ok: true, value: this.savepoint(batch[0]!.write) }] : this.runBatch(batch)
    } catch (error) {
      for (const { reject } of batch) reject(error)
      return
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i]!
      if (outcome.ok) resolve(outcome.value)
      else reject(outcome.error)
    })
  }
}
