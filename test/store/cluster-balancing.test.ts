import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { ClusterNode, type SessionHooks } from '../../src/cluster/cluster-node.js'
import { ClusterRepository } from '../../src/cluster/cluster-repository.js'
import { LeaseBook } from '../../src/cluster/lease-book.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { waitFor } from '../support/wait-for.js'
import { createTestSchema } from './backends.js'

const TTL_MS = 3_000
const HEARTBEAT_MS = 600

describe('cluster balancing on PostgreSQL', () => {
  it('keeps renewing its other leases while a hand-over waits behind a slow session, instead of fencing itself', async () => {
    const schema = await createTestSchema()
    const bookA = new LeaseBook('node-a')
    const bookB = new LeaseBook('node-b')
    const storeA = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 4, fence: bookA })
    const storeB = await openPostgresStore({ url: schema.url, nodeId: 'node-b', poolSize: 4, fence: bookB })
    const logged: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) })
    const node = (book: LeaseBook, store: typeof storeA): ClusterNode => new ClusterNode({
      nodeId: book.nodeId, leaseTtlMs: TTL_MS, heartbeatMs: HEARTBEAT_MS, repository: new ClusterRepository(store.pool), leases: book, logger,
      announceRelease: () => undefined, announceState: () => undefined,
    })
    // Node A's sessions stop at once but their last writes never land (until the test lets them):
    // a session lock held by a long send, a slow database.
    let letGo!: () => void
    const stuck = new Promise<void>((resolve) => (letGo = resolve))
    const hooks = (release: (deviceId: string) => Promise<void>): SessionHooks => ({
      acquired: async () => undefined, adopt: async () => undefined, release, heartbeat: async () => undefined,
    })
    const [nodeA, nodeB] = [node(bookA, storeA), node(bookB, storeB)]
    /** When node A's leases on these sessions expire, in order; 0 for one that is no longer A's. */
    const expiresAt = async (deviceIds: string[]): Promise<number[]> => {
      const { rows } = await storeA.pool.query<{ device_id: string; expires_at: string }>(
        "SELECT device_id, expires_at FROM session_leases WHERE device_id = ANY($1) AND node_id = 'node-a'", [deviceIds])
      return deviceIds.map((deviceId) => Number(rows.find((row) => row.device_id === deviceId)?.expires_at ?? 0))
    }
    try {
      for (const deviceId of ['s1', 's2', 's3', 's4']) await storeA.sessions.create(deviceId, 'running')
      await nodeA.start(hooks(() => stuck), 'http://node-a')
      await waitFor(() => bookA.size === 4, { what: 'node A to take all four sessions' })

      await nodeB.start(hooks(async () => undefined), 'http://node-b')
      // A hands two over to B; their hand-overs hang.
      await waitFor(() => bookA.size === 2, { what: 'node A to begin handing two sessions over' })
      const kept = bookA.leases().map((lease) => lease.deviceId).sort()
      const before = await expiresAt(kept)
      // Renewed for longer than a lease lasts while the hand-overs still hang: the heartbeat went on.
      await waitFor(async () => (await expiresAt(kept)).every((at, index) => at > before[index]! + TTL_MS), {
        what: "node A to renew the leases it keeps for over a lease's time", timeoutMs: 6 * TTL_MS,
      })
      assert.deepEqual(bookA.leases().map((lease) => lease.deviceId).sort(), kept, 'node A still runs the sessions it keeps')
      assert.equal(logged.filter((line) => line.includes('could not renew leases in time')).length, 0, logged.join('\n'))
      // The two being handed over expired on A's side, unrenewed, and B took them.
      await waitFor(() => bookB.size === 2, { what: 'node B to run the other two', timeoutMs: 4 * TTL_MS })
    } finally {
      letGo()
      await nodeB.stop()
      await nodeA.stop()
      await storeA.close()
      await storeB.close()
      await schema.drop()
    }
  })
})
