import type { SqliteDatabase } from './database.js'

interface PendingWrite {
  write: () => unknown
  /** Undoes itself when it fails (see runAtomic), so it needs no savepoint of the batch's. */
  atomic: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * Group commit: writes asked for in the same event-loop turn run in one transaction, each in its
 * own savepoint, so a turn that handles a burst of requests, acks and receipts commits once instead
 * of once per message (every commit takes file locks and writes WAL frames). A write's promise
 * settles after the commit, so whoever awaits it sees it durable; a write that throws is rolled
 * back alone and rejects while the others commit. Writes run in the order they were asked for.
 */
export class GroupCommit {
  private pending: PendingWrite[] = []
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

  run<T>(write: () => T): Promise<T> {
    return this.enqueue(write, false)
  }

  /**
   * A write that undoes itself when it fails, leaving the transaction open: a single statement (reads
   * may follow it), which SQLite undoes alone, or a function made with db.transaction, which inside
   * the batch's transaction is a savepoint of its own. It runs without the savepoint (two more
   * statements) that `run` wraps around a write of several.
   */
  runAtomic<T>(write: () => T): Promise<T> {
    return this.enqueue(write, true)
  }

  /**
   * Runs a write at once, in one transaction with what is pending (asked for earlier, so it runs
   * first), and answers its result or throws its error after the commit. For writes nothing may
   * happen before (Baileys commits a sent message's keys once it is on the wire): the batch lands now,
   * and the write carries the turn's others along instead of a commit of its own. The write must undo
   * itself when it fails, as runAtomic's do: it gets no savepoint.
   */
  runNow<T>(write: () => T): T {
    let outcome: Outcome | undefined
    this.pending.push({ write, atomic: true, resolve: (value) => (outcome = { ok: true, value }), reject: (error) => (outcome = { ok: false, error }) })
    this.flush()
    if (!outcome!.ok) throw outcome!.error
    return outcome!.value as T
  }

  private enqueue<T>(write: () => T, atomic: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush())
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
