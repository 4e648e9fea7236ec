import { inTransaction, type PgClient, type PgPool } from './pool.js'
import type { AuthKeyWrite, AuthStateRepository } from '../ports.js'

/**
 * With several nodes, a session's auth state may only be written by the node holding its lease,
 * under the lease's current epoch. A node that lost the lease (a partition, a pause) has its
 * writes refused, so it can never overwrite Signal state the new owner already moved on from.
 */
export interface AuthWriteFence {
  nodeId: string
  /** The epoch of this node's lease on the session, or undefined when it holds none. */
  epochOf(deviceId: string): number | undefined
  /** A write was refused: the session belongs to another node now. */
  onFenced(deviceId: string): void
}

export class FencedWriteError extends Error {
  constructor(deviceId: string) {
    super(`Session "${deviceId}" is leased to another node; this node may no longer write its credentials`)
    this.name = 'FencedWriteError'
  }
}

/** Locks the lease row in share mode, so a takeover waits for this transaction and the epoch cannot change under it. */
const LEASE_HELD = 'SELECT 1 FROM session_leases WHERE device_id = $1 AND node_id = $2 AND epoch = $3 FOR SHARE'

async function checkFence(client: PgClient, fence: AuthWriteFence | undefined, deviceId: string): Promise<void> {
  if (!fence) return
  const epoch = fence.epochOf(deviceId)
  const held = epoch !== undefined && (await client.query(LEASE_HELD, [deviceId, fence.nodeId, epoch])).rowCount === 1
  if (!held) {
    fence.onFenced(deviceId)
    throw new FencedWriteError(deviceId)
  }
}

/**
 * Applying writes one by one means the last write of a key wins; keeping only that one gives the
 * same result and lets the batch go out as one DELETE and one upsert (an upsert may not touch a
 * row twice).
 */
function lastWritePerKey(writes: readonly AuthKeyWrite[]): AuthKeyWrite[] {
  const byKey = new Map<string, AuthKeyWrite>()
  for (const write of writes) {
    byKey.set(`${write.type}\u0000${write.id}`, write)
  }
  return [...byKey.values()]
}

export function createPostgresAuthStateRepository(pool: PgPool, fence?: AuthWriteFence): AuthStateRepository {
  return {
    readCreds: async (deviceId) =>
      (await pool.query<{ creds: string }>('SELECT creds FROM auth_creds WHERE device_id = $1', [deviceId])).rows[0]?.creds,
    writeCreds: async (deviceId, creds) => {
      await inTransaction(pool, async (client) => {
        await checkFence(client, fence, deviceId)
        await client.query(
          'INSERT INTO auth_creds (device_id, creds) VALUES ($1, $2) ON CONFLICT (device_id) DO UPDATE SET creds = excluded.creds',
          [deviceId, creds],
        )
      })
    },
    readKeys: async (deviceId, type, ids) => {
      const { rows } = await pool.query<{ key_id: string; value: string }>(
        'SELECT key_id, value FROM auth_keys WHERE device_id = $1 AND type = $2 AND key_id = ANY($3)',
        [deviceId, type, ids],
      )
      return new Map(rows.map((row) => [row.key_id, row.value]))
    },
    writeKeys: async (deviceId, writes) => {
      if (writes.length === 0) return
      const final = lastWritePerKey(writes)
      const deletes = final.filter((write) => write.value === null)
      const upserts = final.filter((write) => write.value !== null)
      await inTransaction(pool, async (client) => {
        await checkFence(client, fence, deviceId)
        if (deletes.length > 0) {
          await client.query(
            `DELETE FROM auth_keys k USING unnest($2::text[], $3::text[]) AS d(type, key_id)
             WHERE k.device_id = $1 AND k.type = d.type AND k.key_id = d.key_id`,
            [deviceId, deletes.map((write) => write.type), deletes.map((write) => write.id)],
          )
        }
        if (upserts.length > 0) {
          await client.query(
            `INSERT INTO auth_keys (device_id, type, key_id, value)
             SELECT $1, type, key_id, value FROM unnest($2::text[], $3::text[], $4::text[]) AS u(type, key_id, value)
             ON CONFLICT (device_id, type, key_id) DO UPDATE SET value = excluded.value`,
            [deviceId, upserts.map((write) => write.type), upserts.map((write) => write.id), upserts.map((write) => write.value)],
          )
        }
      })
    },
    clear: async (deviceId) => {
      await inTransaction(pool, async (client) => {
        await client.query('DELETE FROM auth_keys WHERE device_id = $1', [deviceId])
        await client.query('DELETE FROM auth_creds WHERE device_id = $1', [deviceId])
      })
    },
  }
}
