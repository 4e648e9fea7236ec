import type { SqliteDatabase } from './database.js'

/** Rows a retention sweep deletes per statement: each holds the event loop, and a sweep may find days of rows. */
export const SWEEP_CHUNK_ROWS = 500

/**
 * Deletes the rows of `table` stored before a cutoff, oldest first, a chunk of seqs at a time with a
 * turn of the event loop between chunks. Rows are numbered in the order they were stored, with their
 * time, so the sweep walks seqs from the oldest row and stops at the first row stored since the
 * cutoff: no index of ages is written at every insert. (A row stored while the clock was set back
 * waits for a later sweep; none goes early.) `narrowedBy` is a condition old rows must also meet to
 * go, its one parameter the cutoff.
 */
export function retentionSweep(
  db: SqliteDatabase,
  table: 'inbound_messages' | 'webhook_deliveries',
  narrowedBy?: string,
): (cutoff: number) => Promise<number> {
  const chunk = db.prepare<[number], [number, number]>(`SELECT seq, created_at FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ${SWEEP_CHUNK_ROWS}`).raw()
  const remove = db.prepare(`DELETE FROM ${table} WHERE seq > ? AND seq <= ?${narrowedBy ? ` AND ${narrowedBy}` : ''}`)
  return async (cutoff) => {
    let deleted = 0
    let after = -1
    for (;;) {
      const rows = chunk.all(after)
      const fresh = rows.findIndex(([, createdAt]) => createdAt >= cutoff)
      const old = fresh === -1 ? rows : rows.slice(0, fresh)
      if (old.length > 0) {
        const upTo = old.at(-1)![0]
        deleted += remove.run(after, upTo, ...(narrowedBy ? [cutoff] : [])).changes
        after = upTo
      }
      if (fresh !== -1 || rows.length < SWEEP_CHUNK_ROWS) return deleted
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
