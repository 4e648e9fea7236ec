import { setImmediate as nextTurn } from 'node:timers/promises'
import type { SqliteDatabase } from './database.js'

/** Rows walked per statement by a large delete: each statement holds the event loop, and a sweep may find days of rows. */
export const DELETE_CHUNK_ROWS = 500

/**
 * Deletes rows of `table` oldest first, a chunk of seqs at a time with a turn of the event loop
 * between chunks, for deletes that can reach millions of rows (retention, a webhook's history).
 * Rows are numbered in the order they were stored, with their time, so a walk from the oldest row
 * that stops at the first one stored since `storedBefore` finds every older row with no index of
 * ages written at every insert. (A row stored while the clock was set back waits for a later sweep;
 * none goes early.) Only rows meeting `condition`, with `parameters`, go; Infinity walks every row.
 */
export function deleteOldestFirst(
  db: SqliteDatabase,
  table: 'inbound_messages' | 'webhook_deliveries',
  condition?: string,
): (storedBefore: number, ...parameters: unknown[]) => Promise<number> {
  const last = db.prepare<[], number | null>(`SELECT MAX(seq) FROM ${table}`).pluck()
  const chunk = db.prepare<[number, number], [number, number]>(
    `SELECT seq, created_at FROM ${table} WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${DELETE_CHUNK_ROWS}`,
  ).raw()
  const remove = db.prepare(`DELETE FROM ${table} WHERE seq > ? AND seq <= ?${condition ? ` AND ${condition}` : ''}`)
  return async (storedBefore, ...parameters) => {
    // Rows stored while the walk goes on are newer than it: it ends where the table ended when it began.
    const end = last.get() ?? 0
    let deleted = 0
    let after = -1
    for (;;) {
      const rows = chunk.all(after, end)
      const fresh = rows.findIndex(([, createdAt]) => createdAt >= storedBefore)
      const old = fresh === -1 ? rows : rows.slice(0, fresh)
      if (old.length > 0) {
        const upTo = old.at(-1)![0]
        deleted += remove.run(after, upTo, ...parameters).changes
        after = upTo
      }
      if (fresh !== -1 || rows.length < DELETE_CHUNK_ROWS) return deleted
      await nextTurn()
    }
  }
}
