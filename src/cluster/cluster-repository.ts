import type { PgPool } from '../store/postgres/pool.js'

/**
 * The database's clock in epoch milliseconds. Lease times are always taken from it, never from a
 * node's own clock, so nodes whose clocks disagree still agree on when a lease has run out.
 */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`

export interface NodeRow {
  nodeId: string
  url: string
  startedAt: number
  heartbeatAt: number
  /** Milliseconds since the heartbeat, by the database's clock. */
  silentForMs: number
}

export interface Lease {
  deviceId: string
  epoch: number
}

export interface RuntimeRow {
  deviceId: string
  nodeId: string
  snapshot: string
}

/** The SQL behind membership, leases, shared session state and the event relay. */
export class ClusterRepository {
  constructor(private readonly pool: PgPool) {}

  async heartbeat(nodeId: string, url: string, startedAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO cluster_nodes (node_id, url, started_at, heartbeat_at) VALUES ($1, $2, $3, ${DB_NOW})
       ON CONFLICT (node_id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at`,
      [nodeId, url, startedAt],
    )
  }

  async leave(nodeId: string): Promise<void> {
    await this.pool.query('DELETE FROM cluster_nodes WHERE node_id = $1', [nodeId])
  }

  async nodes(): Promise<NodeRow[]> {
    const { rows } = await this.pool.query<{ node_id: string; url: string; started_at: number; heartbeat_at: number; silent_for: number }>(
      `SELECT node_id, url, started_at, heartbeat_at, ${DB_NOW} - heartbeat_at AS silent_for FROM cluster_nodes ORDER BY started_at, node_id`,
    )
    return rows.map((row) => ({
      nodeId: row.node_id,
      url: row.url,
      startedAt: row.started_at,
      heartbeatAt: row.heartbeat_at,
      silentForMs: row.silent_for,
    }))
  }

  /**
   * Frees the webhook deliveries that nodes silent for longer than `deadAfterMs` had claimed, so
   * their lanes move on now rather than when the claims run out.
   */
  async releaseClaimsOfSilentNodes(deadAfterMs: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE webhook_deliveries SET claimed_by = NULL, claimed_until = NULL
       WHERE status = 'pending' AND claimed_by IN (SELECT node_id FROM cluster_nodes WHERE heartbeat_at < ${DB_NOW} - $1)`,
      [deadAfterMs],
    )
    return result.rowCount ?? 0
  }

  /** Forgets nodes silent for longer than `forgetAfterMs` (they show as dead until then). */
  async forgetSilentNodes(forgetAfterMs: number): Promise<void> {
    await this.pool.query(`DELETE FROM cluster_nodes WHERE heartbeat_at < ${DB_NOW} - $1`, [forgetAfterMs])
  }

  /** Sessions meant to be running, over the whole cluster. */
  async runningSessions(): Promise<number> {
    const { rows } = await this.pool.query<{ running: number }>(`SELECT COUNT(*)::int AS running FROM sessions WHERE desired_state = 'running'`)
    return rows[0]!.running
  }

  /**
   * Extends the given leases of this node; what comes back is what it still holds. Only those
   * given: leases a former process under the same node id left behind must run out, not be kept.
   */
  async renew(nodeId: string, ttlMs: number, leases: readonly Lease[]): Promise<Lease[]> {
    const { rows } = await this.pool.query<{ device_id: string; epoch: number }>(
      `UPDATE session_leases l SET expires_at = ${DB_NOW} + $2
       FROM unnest($3::text[], $4::bigint[]) AS held(device_id, epoch)
       WHERE l.device_id = held.device_id AND l.epoch = held.epoch AND l.node_id = $1 AND l.expires_at > ${DB_NOW}
       RETURNING l.device_id, l.epoch`,
      [nodeId, ttlMs, leases.map((lease) => lease.deviceId), leases.map((lease) => lease.epoch)],
    )
    return rows.map((row) => ({ deviceId: row.device_id, epoch: row.epoch }))
  }

  /**
   * Takes up to `limit` running sessions that nobody holds (never leased, released, or expired),
   * oldest first. Each taken lease's epoch grows by one. Two nodes racing for one session: the
   * second waits on the row, then finds it held and skips it. With onlyDeviceId, takes just that
   * session (being started through the API), whatever its desired state still says.
   */
  async acquireFree(nodeId: string, ttlMs: number, limit: number, onlyDeviceId?: string): Promise<Lease[]> {
    const { rows } = await this.pool.query<{ device_id: string; epoch: number }>(
      `WITH candidates AS (
         SELECT s.device_id FROM sessions s LEFT JOIN session_leases l USING (device_id)
         WHERE ($4::text IS NULL AND s.desired_state = 'running' OR s.device_id = $4)
           AND (l.device_id IS NULL OR l.node_id IS NULL OR l.expires_at <= ${DB_NOW})
         ORDER BY s.created_at, s.device_id LIMIT $3
       )
       INSERT INTO session_leases (device_id, node_id, epoch, expires_at)
       SELECT device_id, $1, 1, ${DB_NOW} + $2 FROM candidates
       ON CONFLICT (device_id) DO UPDATE SET node_id = excluded.node_id, epoch = session_leases.epoch + 1, expires_at = excluded.expires_at
         WHERE session_leases.node_id IS NULL OR session_leases.expires_at <= ${DB_NOW}
       RETURNING device_id, epoch`,
      [nodeId, ttlMs, limit, onlyDeviceId ?? null],
    )
    return rows.map((row) => ({ deviceId: row.device_id, epoch: row.epoch }))
  }

  /** Gives a lease up (its epoch stays, so a later holder's is higher still). */
  async release(nodeId: string, lease: Lease): Promise<void> {
    await this.pool.query(
      'UPDATE session_leases SET node_id = NULL, expires_at = 0 WHERE device_id = $1 AND node_id = $2 AND epoch = $3',
      [lease.deviceId, nodeId, lease.epoch],
    )
  }

  /** The node holding each session's unexpired lease. */
  async owners(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ device_id: string; node_id: string }>(
      `SELECT device_id, node_id FROM session_leases WHERE node_id IS NOT NULL AND expires_at > ${DB_NOW}`,
    )
    return new Map(rows.map((row) => [row.device_id, row.node_id]))
  }

  /** The node holding the session's unexpired lease, with the URL it advertises. */
  async ownerOf(deviceId: string): Promise<{ nodeId: string; url: string } | undefined> {
    const { rows } = await this.pool.query<{ node_id: string; url: string }>(
      `SELECT l.node_id, n.url FROM session_leases l JOIN cluster_nodes n ON n.node_id = l.node_id
       WHERE l.device_id = $1 AND l.expires_at > ${DB_NOW}`,
      [deviceId],
    )
    return rows[0] && { nodeId: rows[0].node_id, url: rows[0].url }
  }

  /** Records a session's live state while this node is the lease's holder: a late write from a former holder is dropped. */
  async saveRuntime(deviceId: string, nodeId: string, snapshot: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO session_runtime (device_id, node_id, snapshot, updated_at)
       SELECT $1, $2, $3, ${DB_NOW} WHERE EXISTS (SELECT 1 FROM session_leases WHERE device_id = $1 AND node_id = $2)
       ON CONFLICT (device_id) DO UPDATE SET node_id = excluded.node_id, snapshot = excluded.snapshot, updated_at = excluded.updated_at`,
      [deviceId, nodeId, snapshot],
    )
  }

  async runtimes(deviceId?: string): Promise<RuntimeRow[]> {
    const { rows } = await this.pool.query<{ device_id: string; node_id: string; snapshot: string }>(
      'SELECT device_id, node_id, snapshot FROM session_runtime WHERE ($1::text IS NULL OR device_id = $1)',
      [deviceId ?? null],
    )
    return rows.map((row) => ({ deviceId: row.device_id, nodeId: row.node_id, snapshot: row.snapshot }))
  }

  async appendEvent(nodeId: string, body: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>(
      `INSERT INTO cluster_events (node_id, body, created_at) VALUES ($1, $2, ${DB_NOW}) RETURNING seq`,
      [nodeId, body],
    )
    return rows[0]!.seq
  }

  async eventBody(seq: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM cluster_events WHERE seq = $1', [seq])
    return rows[0]?.body
  }

  async pruneEvents(olderThanMs: number): Promise<void> {
    await this.pool.query(`DELETE FROM cluster_events WHERE created_at < ${DB_NOW} - $1`, [olderThanMs])
  }
}
