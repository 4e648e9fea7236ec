/**
 * SQL for the seq of the first row of `table` stored at or after the time in `since` (a parameter),
 * or one past the last row when none was. Rows are numbered in the order they were stored, with
 * their time, so every row before that seq is older: retention deletes by seq, with no index of
 * ages to keep up at every insert. The scan runs from the oldest row and stops at the boundary. A
 * row stored while the clock was set back is deleted by a later sweep, never too early.
 */
export function firstStoredSince(table: 'inbound_messages' | 'webhook_deliveries', since: string): string {
  return `COALESCE((SELECT seq FROM ${table} WHERE created_at >= ${since} ORDER BY seq LIMIT 1), (SELECT MAX(seq) + 1 FROM ${table}))`
}
