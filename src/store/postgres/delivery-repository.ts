import type { PgPool } from './pool.js'
import { laneKey, type DeliveryRecord, type DeliveryRepository, type NewDelivery } from '../ports.js'
import { firstStoredSince } from './retention-boundary.js'
import { DELIVERY_COLUMNS as COLUMNS, type DeliveryRow, toDeliveryRecord as toRecord } from '../rows.js'

/** How long a node keeps a lane head to itself; a node that dies mid-delivery frees it this late. */
export const CLAIM_MS = 60_000

/**
 * One statement that queues deliveries, due now, from the parameters `deliveryParams` gives, numbered
 * from `first`; ORDER BY ordinality hands out seq in array order. `where` can make it conditional.
 */
export function insertDeliveriesSql(first: number, where = ''): string {
  const [webhooks, devices, events, types, bodies, now] = Array.from({ length: 6 }, (_, i) => `$${first + i}`)
  return `INSERT INTO webhook_deliveries (webhook_id, device_id, event_id, event_type, body, status, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, device_id, event_id, event_type, body, 'pending', ${now}::bigint, ${now}::bigint, ${now}::bigint
    FROM unnest(${webhooks}::text[], ${devices}::text[], ${events}::text[], ${types}::text[], ${bodies}::text[]) WITH ORDINALITY
      AS d(webhook_id, device_id, event_id, event_type, body, position)
    ${where}
    ORDER BY position
    ON CONFLICT (webhook_id, event_id) DO NOTHING`
}

export function deliveryParams(deliveries: readonly NewDelivery[]): unknown[] {
  return [
    deliveries.map((d) => d.webhookId),
    deliveries.map((d) => d.deviceId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.eventType),
    deliveries.map((d) => d.body),
    Date.now(),
  ]
}

const RELEASE_CLAIM = 'claimed_by = NULL, claimed_until = NULL'

/**
 * The lane heads this node may deliver, claimed in the same statement. A head is skipped when its
 * lane is busy here, or when any pending delivery of its lane is claimed by another node that is
 * still within its claim (so a redelivered older event cannot overtake one in flight elsewhere).
 * This node's own claims are handed out again and renewed, as SQLite would: its busy lanes are
 * what keeps it from delivering one twice. FOR UPDATE SKIP LOCKED re-checks each chosen row once
 * locked, so when two nodes race for a head, the second sees the first one's claim, or the row
 * locked, and passes it over.
 */
const CLAIM_HEADS = `
  WITH heads AS (
    SELECT DISTINCT ON (webhook_id, device_id) seq, webhook_id, device_id, next_attempt_at
    FROM webhook_deliveries WHERE status = 'pending'
    ORDER BY webhook_id, device_id, seq
  ), candidates AS (
    SELECT h.seq FROM heads h
    WHERE h.next_attempt_at <= $1
      AND NOT EXISTS (
        SELECT 1 FROM unnest($4::text[], $5::text[]) AS busy(webhook_id, device_id)
        WHERE busy.webhook_id = h.webhook_id AND busy.device_id = h.device_id)
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries o
        WHERE o.webhook_id = h.webhook_id AND o.device_id = h.device_id AND o.status = 'pending'
          AND o.claimed_by <> $3 AND o.claimed_until >= $1)
    ORDER BY h.next_attempt_at, h.seq LIMIT $2
  ), claimable AS (
    SELECT d.seq AS claimed_seq FROM webhook_deliveries d
    WHERE d.seq IN (SELECT seq FROM candidates) AND d.status = 'pending'
      AND (d.claimed_by IS NULL OR d.claimed_by = $3 OR d.claimed_until < $1)
    FOR UPDATE SKIP LOCKED
  )
  UPDATE webhook_deliveries d SET claimed_by = $3, claimed_until = $1 + ${CLAIM_MS}
  FROM claimable WHERE d.seq = claimable.claimed_seq
  RETURNING ${COLUMNS}`

/** One lane's head if due and claimable, claimed: CLAIM_HEADS for a single lane ($1, $2), with $3 now and $4 this node. */
const CLAIM_LANE_HEAD = `
  WITH head AS (
    SELECT seq FROM webhook_deliveries
    WHERE webhook_id = $1 AND device_id = $2 AND status = 'pending'
    ORDER BY seq LIMIT 1
  ), candidate AS (
    SELECT h.seq FROM head h
    WHERE NOT EXISTS (
      SELECT 1 FROM webhook_deliveries o
      WHERE o.webhook_id = $1 AND o.device_id = $2 AND o.status = 'pending'
        AND o.claimed_by <> $4 AND o.claimed_until >= $3)
  ), claimable AS (
    SELECT d.seq AS claimed_seq FROM webhook_deliveries d
    WHERE d.seq IN (SELECT seq FROM candidate) AND d.status = 'pending' AND d.next_attempt_at <= $3
      AND (d.claimed_by IS NULL OR d.claimed_by = $4 OR d.claimed_until < $3)
    FOR UPDATE SKIP LOCKED
  )
  UPDATE webhook_deliveries d SET claimed_by = $4, claimed_until = $3 + ${CLAIM_MS}
  FROM claimable WHERE d.seq = claimable.claimed_seq
  RETURNING ${COLUMNS}`

/** Lane heads by when this node could take them: not before they are due, nor before another node's claim ends. */
const NEXT_DUE = `
  WITH heads AS (
    SELECT DISTINCT ON (webhook_id, device_id) webhook_id, device_id, next_attempt_at
    FROM webhook_deliveries WHERE status = 'pending'
    ORDER BY webhook_id, device_id, seq
  ), foreign_claims AS (
    SELECT webhook_id, device_id, MAX(claimed_until) AS until FROM webhook_deliveries
    WHERE status = 'pending' AND claimed_by <> $1 AND claimed_until >= $2
    GROUP BY webhook_id, device_id
  )
  SELECT h.webhook_id, h.device_id, GREATEST(h.next_attempt_at, COALESCE(c.until + 1, 0)) AS due
  FROM heads h LEFT JOIN foreign_claims c USING (webhook_id, device_id)
  ORDER BY due LIMIT $3`

export function createPostgresDeliveryRepository(pool: PgPool, nodeId: string): DeliveryRepository {
  const one = async (sql: string, values: unknown[]): Promise<DeliveryRecord | undefined> => {
    const { rows } = await pool.query<DeliveryRow>(sql, values)
    return rows[0] && toRecord(rows[0])
  }
  const update = async (sql: string, values: unknown[]): Promise<void> => {
    await pool.query(sql, values)
  }

  return {
    enqueue: async (deliveries) => {
      if (deliveries.length === 0) return
      await pool.query(insertDeliveriesSql(1), deliveryParams(deliveries))
    },
    dueLaneHeads: async (now, limit, busyLanes) => {
      const busy = [...busyLanes].map((lane) => lane.split('\u0000'))
      const { rows } = await pool.query<DeliveryRow>(CLAIM_HEADS, [now, limit, nodeId, busy.map((lane) => lane[0]), busy.map((lane) => lane[1])])
      // RETURNING follows no order; give the callers SQLite's.
      return rows.map(toRecord).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.seq - b.seq)
    },
    claimLaneHead: (webhookId, deviceId, now) => one(CLAIM_LANE_HEAD, [webhookId, deviceId, now, nodeId]),
    // Behind a head this node claimed: no other node takes the lane while the claim holds.
    pendingBehind: async (head, limit) =>
      (await pool.query<DeliveryRow>(
        `SELECT ${COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND device_id = $2 AND status = 'pending' AND seq > $3 ORDER BY seq LIMIT $4`,
        [head.webhookId, head.deviceId, head.seq, limit],
      )).rows.map(toRecord),
    markDelivered: (seqs) =>
      update(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = $1, ${RELEASE_CLAIM} WHERE seq = ANY($2::bigint[])`,
        [Date.now(), seqs],
      ),
    pendingCounts: async () =>
      Object.fromEntries((await pool.query<{ webhook_id: string; pending: string }>(
        `SELECT webhook_id, COUNT(*) AS pending FROM webhook_deliveries WHERE status = 'pending' GROUP BY webhook_id`,
      )).rows.map((row) => [row.webhook_id, Number(row.pending)])),
    scheduleRetry: (seq, nextAttemptAt, error) =>
      update(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, updated_at = $3, ${RELEASE_CLAIM} WHERE seq = $4`,
        [nextAttemptAt, error, Date.now(), seq],
      ),
    postpone: (seq, nextAttemptAt) =>
      update(`UPDATE webhook_deliveries SET next_attempt_at = $1, updated_at = $2, ${RELEASE_CLAIM} WHERE seq = $3 AND status = 'pending'`, [nextAttemptAt, Date.now(), seq]),
    markFailed: (seq, error) =>
      update(`UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_error = $1, updated_at = $2, ${RELEASE_CLAIM} WHERE seq = $3`, [
        error,
        Date.now(),
        seq,
      ]),
    redeliver: (seq) =>
      one(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, updated_at = $1, ${RELEASE_CLAIM}
         WHERE seq = $2 AND status = 'failed' RETURNING ${COLUMNS}`,
        [Date.now(), seq],
      ),
    get: (seq) => one(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE seq = $1`, [seq]),
    list: async (status, limit, deviceId) =>
      (
        await pool.query<DeliveryRow>(
          `SELECT ${COLUMNS} FROM webhook_deliveries WHERE status = $1 AND ($2::text IS NULL OR device_id = $2) ORDER BY seq DESC LIMIT $3`,
          [status, deviceId ?? null, limit],
        )
      ).rows.map(toRecord),
    nextDueAt: async (now, busyLanes) => {
      const { rows } = await pool.query<{ webhook_id: string; device_id: string; due: number }>(NEXT_DUE, [nodeId, now, busyLanes.size + 1])
      return rows.find((head) => !busyLanes.has(laneKey(head.webhook_id, head.device_id)))?.due
    },
    deleteForWebhook: (webhookId) => update('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [webhookId]),
    deleteDeliveredBefore: async (updatedBefore) =>
      (await pool.query(`DELETE FROM webhook_deliveries WHERE status = 'delivered' AND updated_at < $1 AND seq < ${firstStoredSince('webhook_deliveries', '$1')}`, [
        updatedBefore,
      ])).rowCount ?? 0,
  }
}
