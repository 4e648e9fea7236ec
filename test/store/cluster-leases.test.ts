import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { ClusterRepository } from '../../src/cluster/cluster-repository.js'
import { LeaseBook } from '../../src/cluster/lease-book.js'
import { FencedWriteError } from '../../src/store/postgres/auth-state-repository.js'
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestSchema, type TestSchema } from './backends.js'

const TTL = 60_000

describe('cluster leases on PostgreSQL', () => {
  let schema: TestSchema
  let storeA: PostgresStore
  let storeB: PostgresStore
  let bookA: LeaseBook
  let bookB: LeaseBook
  let leases: ClusterRepository
  const fenced: string[] = []

  beforeEach(async () => {
    schema = await createTestSchema()
    bookA = new LeaseBook('node-a')
    bookB = new LeaseBook('node-b')
    bookA.whenFenced((deviceId) => fenced.push(`a:${deviceId}`))
    bookB.whenFenced((deviceId) => fenced.push(`b:${deviceId}`))
    storeA = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 4, fence: bookA })
    storeB = await openPostgresStore({ url: schema.url, nodeId: 'node-b', poolSize: 4, fence: bookB })
    leases = new ClusterRepository(storeA.pool)
    fenced.length = 0
  })
  afterEach(async () => {
    await storeA.close()
    await storeB.close()
    await schema.drop()
  })

  const createRunning = async (count: number): Promise<string[]> => {
    const ids = Array.from({ length: count }, (_, i) => `dev${String(i).padStart(2, '0')}`)
    for (const id of ids) await storeA.sessions.create(id, 'running')
    return ids
  }

  it('never gives one session to two nodes taking free leases at once', async () => {
    await createRunning(30)
    const [a, b] = await Promise.all([leases.acquireFree('node-a', TTL, 30), leases.acquireFree('node-b', TTL, 30)])
    const ids = [...a, ...b].map((lease) => lease.deviceId)
    assert.equal(ids.length, 30)
    assert.equal(new Set(ids).size, 30)
    assert.deepEqual(await leases.acquireFree('node-b', TTL, 30), [])
  })

  it('takes only running sessions, or the one being started', async () => {
    await createRunning(1)
    await storeA.sessions.create('parked', 'stopped')
    assert.deepEqual((await leases.acquireFree('node-a', TTL, 10)).map((lease) => lease.deviceId), ['dev00'])
    assert.deepEqual((await leases.acquireFree('node-b', TTL, 10, 'parked')).map((lease) => lease.deviceId), ['parked'])
    assert.deepEqual(await leases.acquireFree('node-a', TTL, 10, 'dev00'), [], 'held by node-a already')
  })

  it('renews what a node holds and nothing else; a released lease is taken with a higher epoch', async () => {
    await createRunning(2)
    const held = await leases.acquireFree('node-a', TTL, 2)
    const [first, second] = held
    assert.deepEqual((await leases.renew('node-a', TTL, held)).map((lease) => lease.deviceId).sort(), ['dev00', 'dev01'])
    assert.deepEqual(await leases.renew('node-b', TTL, held), [])
    assert.deepEqual(await leases.renew('node-a', TTL, []), [], 'a lease the process does not know of is left to run out')
    await leases.release('node-a', first!)
    assert.deepEqual((await leases.renew('node-a', TTL, held)).map((lease) => lease.deviceId), [second!.deviceId])
    const [taken] = await leases.acquireFree('node-b', TTL, 1)
    assert.equal(taken?.deviceId, first!.deviceId)
    assert.equal(taken.epoch, first!.epoch + 1)
    await leases.heartbeat('node-b', 'http://b:3000', 2)
    assert.deepEqual(await leases.ownerOf(first!.deviceId), { nodeId: 'node-b', url: 'http://b:3000' })
  })

  it('lets an expired lease go to another node, which the old holder cannot renew', async () => {
    await createRunning(1)
    // A lease that ran out at once: taken with a TTL below zero, so no clock has to move.
    const held = await leases.acquireFree('node-a', -1, 1)
    const [taken] = await leases.acquireFree('node-b', TTL, 1)
    assert.equal(taken?.epoch, 2)
    assert.deepEqual(await leases.renew('node-a', TTL, held), [])
  })

  it('fences auth-state writes: only the holder, under its current epoch, may write', async () => {
    await createRunning(1)
    const [lease] = await leases.acquireFree('node-a', TTL, 1)
    bookA.add(lease!)
    await storeA.authStates.writeCreds('dev00', '{"v":1}')
    await storeA.authStates.writeKeys('dev00', [{ type: 'session', id: 'x', value: '"a"' }])
    await assert.rejects(storeB.authStates.writeCreds('dev00', '{"v":"b"}'), FencedWriteError)

    // node-a loses the lease (released, then taken by node-b) but has not noticed yet.
    await leases.release('node-a', lease!)
    const [taken] = await leases.acquireFree('node-b', TTL, 1)
    bookB.add(taken!)
    await assert.rejects(storeA.authStates.writeCreds('dev00', '{"v":"stale"}'), FencedWriteError)
    await assert.rejects(storeA.authStates.writeKeys('dev00', [{ type: 'session', id: 'x', value: '"stale"' }]), FencedWriteError)
    await storeB.authStates.writeCreds('dev00', '{"v":2}')
    assert.equal(await storeA.authStates.readCreds('dev00'), '{"v":2}')
    assert.equal((await storeA.authStates.readKeys('dev00', 'session', ['x'])).get('x'), '"a"')
    assert.deepEqual(fenced, ['b:dev00', 'a:dev00', 'a:dev00'])
  })

  it('keeps a session\'s published state to its holder', async () => {
    await createRunning(1)
    const [lease] = await leases.acquireFree('node-a', TTL, 1)
    await leases.saveRuntime('dev00', 'node-a', '{"state":"connected"}')
    await leases.saveRuntime('dev00', 'node-b', '{"state":"stale"}')
    assert.deepEqual(await leases.runtimes('dev00'), [{ deviceId: 'dev00', nodeId: 'node-a', snapshot: '{"state":"connected"}' }])
    await leases.release('node-a', lease!)
    await leases.saveRuntime('dev00', 'node-a', '{"state":"late"}')
    assert.equal((await leases.runtimes('dev00'))[0]?.snapshot, '{"state":"connected"}')
  })

  it('frees the webhook deliveries a dead node had claimed, and only those', async () => {
    await storeA.sessions.create('dev00', 'running')
    const delivery = (eventId: string, deviceId: string) => ({ webhookId: 'global', deviceId, eventId, eventType: 'message.status', body: '{}' })
    await storeA.deliveries.enqueue([delivery('a1', 'dev00'), delivery('b1', 'dev01')])
    await leases.heartbeat('node-a', 'http://a:3000', 1)
    await leases.heartbeat('node-b', 'http://b:3000', 2)
    const now = Date.now()
    const [claimedByA] = await storeA.deliveries.dueLaneHeads(now, 1, new Set())
    const [claimedByB] = await storeB.deliveries.dueLaneHeads(now, 1, new Set())
    assert.ok(claimedByA && claimedByB)
    assert.deepEqual(await storeB.deliveries.dueLaneHeads(now, 10, new Set([`global\u0000${claimedByB.deviceId}`])), [], 'a live claim holds its lane')
    assert.equal(await leases.releaseClaimsOfSilentNodes(60_000), 0, 'both nodes beat recently')
    // node-a falls silent for longer than a lease.
    await storeA.pool.query(`UPDATE cluster_nodes SET heartbeat_at = heartbeat_at - 120000 WHERE node_id = 'node-a'`)
    assert.equal(await leases.releaseClaimsOfSilentNodes(60_000), 1)
    const taken = await storeB.deliveries.dueLaneHeads(now, 10, new Set([`global\u0000${claimedByB.deviceId}`]))
    assert.deepEqual(taken.map((d) => d.eventId), [claimedByA.eventId])
  })

  it('lists nodes with how long each has been silent, and forgets long-silent ones', async () => {
    await leases.heartbeat('node-a', 'http://a:3000', 1)
    await leases.heartbeat('node-b', 'http://b:3000', 2)
    const nodes = await leases.nodes()
    assert.deepEqual(nodes.map((node) => [node.nodeId, node.url]), [['node-a', 'http://a:3000'], ['node-b', 'http://b:3000']])
    assert.ok(nodes.every((node) => node.silentForMs >= 0 && node.silentForMs < 5_000))
    await leases.forgetSilentNodes(-1)
    assert.deepEqual(await leases.nodes(), [])
  })
})
