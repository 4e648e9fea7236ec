import type { SqliteDatabase } from './database.js'
import type { GroupCommit } from './group-commit.js'
import { laneKey, type DeliveryRepository, type DeliveryStatus, type NewDelivery } from '../ports.js'
import { deleteOldestFirst } from './oldest-first-delete.js'
import { type DeliveryRow, toDeliveryRecord as toRecord } from '../rows.js'

/** Queues deliveries, due now; runs inside the caller's transaction (with what they are about). */
export function deliveryInserter(db: SqliteDatabase): (deliveries: readonly NewDelivery[]) => void {
  const insert = db.prepare(
    `INSERT INTO webhook_deliveries (webhook_id, device_id, event_id, event_type, body, status, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  )
  return (deliveries) => {
    const now = Date.now()
    for (const d of deliveries) insert.run(d.webhookId, d.deviceId, d.eventId, d.eventType, d.body, now, now, now)
  }
}

/**
 * A delivered mark goes through `groupCommit`: lanes delivering side by side commit once. Nothing
 * reads a lane before its mark lands, since the lane is busy until then.
 */
export function createSqliteDeliveryRepository(db: SqliteDatabase, groupCommit: GroupCommit): DeliveryRepository {
  const heads = db.prepare<[number, number], DeliveryRow>(
    `SELECT d.* FROM webhook_deliveries d
     JOIN (SELECT MIN(seq) AS seq FROM webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id, device_id) h ON h.seq = d.seq
     WHERE d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.seq LIMIT ?`,
  )
  const laneHead = db.prepare<[string, string], DeliveryRow>(
    `SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND device_id = ? AND status = 'pending' ORDER BY seq LIMIT 1`,
  )
  const delivered = db.prepare(`UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = ? WHERE seq = ?`)
  const markAllDelivered = db.transaction((seqs: readonly number[], now: number) => {
    for (const seq of seqs) delivered.run(now, seq)
  })
  const behind = db.prepare<[string, string, number, number], DeliveryRow>(
    `SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND device_id = ? AND status = 'pending' AND seq > ? ORDER BY seq LIMIT ?`,
  )
  const pendingByTarget = db.prepare<[], { webhook_id: string; pending: number }>(
    `SELECT webhook_id, COUNT(*) AS pending FROM webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id`,
  )
  const retry = db.prepare(`UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE seq = ?`)
  const later = db.prepare(`UPDATE webhook_deliveries SET next_attempt_at = ?, updated_at = ? WHERE seq = ? AND status = 'pending'`)
  const failed = db.prepare(`UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ?`)
  const requeue = db.prepare(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE seq = ? AND status = 'failed'`)
  const one = db.prepare<[number], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE seq = ?')
  // The status is written into each statement: SQLite uses a partial index only for the literal term it was made with.
  // Pending deliveries are few and found through the lanes' index (a scan of the table from its newest row would
  // read every delivered one when fewer are pending than asked); delivered ones are most rows, newest last.
  const listed = (status: DeliveryStatus, from: string) => ({
    all: db.prepare<[number], DeliveryRow>(`SELECT * FROM ${from} WHERE status = '${status}' ORDER BY seq DESC LIMIT ?`),
    ofDevice: db.prepare<[string, number], DeliveryRow>(`SELECT * FROM ${from} WHERE status = '${status}' AND device_id = ? ORDER BY seq DESC LIMIT ?`),
  })
  const byStatus = {
    pending: listed('pending', 'webhook_deliveries INDEXED BY deliveries_lane'),
    delivered: listed('delivered', 'webhook_deliveries'),
    failed: listed('failed', 'webhook_deliveries'),
  }
  const headsByDue = db.prepare<[number], { webhook_id: string; device_id: string; next_attempt_at: number }>(
    `SELECT d.webhook_id, d.device_id, d.next_attempt_at FROM webhook_deliveries d
     JOIN (SELECT MIN(seq) AS seq FROM webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id, device_id) h ON h.seq = d.seq
     ORDER BY d.next_attempt_at LIMIT ?`,
  )
  // A webhook's pending deliveries go at once, through the lanes' index; its history (no index by webhook) a chunk at a time.
  const removePending = db.prepare(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND status = 'pending'`)
  const removeHistory = deleteOldestFirst(db, 'webhook_deliveries', 'webhook_id = ?')
  // Failed deliveries stay until redelivered; a delivered one goes a retention period after its delivery.
  const prune = deleteOldestFirst(db, 'webhook_deliveries', `status = 'delivered' AND updated_at < ?`)

  const enqueueAll = db.transaction(deliveryInserter(db))

  return {
    enqueue: async (deliveries) => {
      if (deliveries.length > 0) enqueueAll(deliveries)
    },
    dueLaneHeads: async (now, limit, busyLanes) => {
      // Busy lanes are filtered here rather than in SQL; over-fetch so they do not crowd out idle ones.
      const rows = heads.all(now, limit + busyLanes.size)
      return rows.map(toRecord).filter((d) => !busyLanes.has(laneKey(d.webhookId, d.deviceId))).slice(0, limit)
    },
    claimLaneHead: async (webhookId, deviceId, now) => {
      const row = laneHead.get(webhookId, deviceId)
      return row && row.next_attempt_at <= now ? toRecord(row) : undefined
    },
    pendingBehind: async (head, limit) => behind.all(head.webhookId, head.deviceId, head.seq, limit).map(toRecord),
    markDelivered: (seqs) => groupCommit.runAtomic(() => markAllDelivered(seqs, Date.now())),
    pendingCounts: async () => Object.fromEntries(pendingByTarget.all().map((row) => [row.webhook_id, row.pending])),
    scheduleRetry: async (seq, nextAttemptAt, error) => void retry.run(nextAttemptAt, error, Date.now(), seq),
    postpone: async (seq, nextAttemptAt) => void later.run(nextAttemptAt, Date.now(), seq),
    markFailed: async (seq, error) => void failed.run(error, Date.now(), seq),
    redeliver: async (seq) => {
      if (requeue.run(Date.now(), Date.now(), seq).changes === 0) return undefined
      const row = one.get(seq)
      return row && toRecord(row)
    },
    get: async (seq) => {
      const row = one.get(seq)
      return row && toRecord(row)
    },
    list: async (status, limit, deviceId) =>
      (deviceId === undefined ? byStatus[status].all.all(limit) : byStatus[status].ofDevice.all(deviceId, limit)).map(toRecord),
    nextDueAt: async (_now, busyLanes) =>
      headsByDue.all(busyLanes.size + 1).find((head) => !busyLanes.has(laneKey(head.webhook_id, head.device_id)))?.next_attempt_at,
    deleteForWebhook: async (webhookId) => {
      removePending.run(webhookId)
      await removeHistory(Number.POSITIVE_INFINITY, webhookId)
    },
    deleteDeliveredBefore: (updatedBefore) => prune(updatedBefore, updatedBefore),
  }
}
