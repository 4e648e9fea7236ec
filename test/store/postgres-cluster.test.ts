import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import pg from 'pg'
import type { NewDelivery, Store } from '../../src/store/ports.js'
import { CLAIM_MS } from '../../src/store/postgres/delivery-repository.js'
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestSchema, databaseUrl, type TestSchema } from './backends.js'

const delivery = (webhookId: string, deviceId: string, eventId: string): NewDelivery => ({
  webhookId,
  deviceId,
  eventId,
  eventType: 'message.received',
  body: '{}',
})

const none = new Set<string>()

describe('postgres store shared by several nodes', () => {
  let schema: TestSchema
  let nodeA: Store
  let nodeB: Store
  beforeEach(async () => {
    schema = await createTestSchema()
    nodeA = await openPostgresStore({ url: schema.url, nodeId: 'node-a', poolSize: 4 })
    nodeB = await openPostgresStore({ url: schema.url, nodeId: 'node-b', poolSize: 4 })
  })
  afterEach(async () => {
    await nodeA.close()
    await nodeB.close()
    await schema.drop()
  })

  it('never hands the same delivery to two nodes asking at once', async () => {
    const lanes = 40
    await nodeA.deliveries.enqueue(
      Array.from({ length: lanes }, (_, i) => [delivery('w1', `dev${i}`, `e${i}-1`), delivery('w1', `dev${i}`, `e${i}-2`)]).flat(),
    )
    const now = Date.now() + 1000
    for (let round = 0; round < 5; round++) {
      const asks = await Promise.all(
        [nodeA, nodeB, nodeA, nodeB].map(async (node, i) => ({ node: i % 2, seqs: (await node.deliveries.dueLaneHeads(now, lanes, none)).map((d) => d.seq) })),
      )
      const byNode = [new Set<number>(), new Set<number>()]
      for (const ask of asks) for (const seq of ask.seqs) byNode[ask.node]!.add(seq)
      const shared = [...byNode[0]!].filter((seq) => byNode[1]!.has(seq))
      assert.deepEqual(shared, [], `round ${round}`)
      assert.equal(byNode[0]!.size + byNode[1]!.size, lanes, `round ${round}: every lane head goes to one node`)
      // Settle what was handed out, so the next round races for the second delivery of each lane.
      if (round === 0) {
        await Promise.all([...byNode[0]!].map((seq) => nodeA.deliveries.markDelivered([seq])))
        await Promise.all([...byNode[1]!].map((seq) => nodeB.deliveries.markDelivered([seq])))
      }
    }
  })

  it('tells a node to look again when another node\'s claim runs out, not before', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1')])
    const now = Date.now() + 1000
    const [claimed] = await nodeA.deliveries.dueLaneHeads(now, 1, none)
    assert.ok(claimed)
    assert.equal(await nodeB.deliveries.nextDueAt(now, none), now + CLAIM_MS + 1)
    assert.equal(await nodeA.deliveries.nextDueAt(now, none), claimed.nextAttemptAt)
  })

  it('keeps a claimed lane head from other nodes until the claim expires', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w2', 'dev1', 'b1')])
    const now = Date.now() + 1000
    const claimed = await nodeA.deliveries.dueLaneHeads(now, 1, none)
    assert.deepEqual(claimed.map((d) => d.eventId), ['a1'])
    assert.deepEqual((await nodeB.deliveries.dueLaneHeads(now, 10, none)).map((d) => d.eventId), ['b1'])
    // Its own claim does not stop node B; node A's, on its last millisecond, does.
    assert.deepEqual((await nodeB.deliveries.dueLaneHeads(now + CLAIM_MS, 10, none)).map((d) => d.eventId), ['b1'])
    // Node A stopped without settling a1: after the claim, node B takes it over.
    assert.deepEqual((await nodeB.deliveries.dueLaneHeads(now + CLAIM_MS + 1, 10, none)).map((d) => d.eventId), ['a1', 'b1'])
    assert.deepEqual((await nodeA.deliveries.dueLaneHeads(now + CLAIM_MS + 1, 10, none)).map((d) => d.eventId), [])
  })

  it('claims one lane\'s head as it claims heads: never one another node holds', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2')])
    const now = Date.now() + 1000
    const a1 = await nodeA.deliveries.claimLaneHead('w1', 'dev1', now)
    assert.equal(a1?.eventId, 'a1')
    assert.equal(await nodeB.deliveries.claimLaneHead('w1', 'dev1', now), undefined)
    assert.deepEqual(await nodeB.deliveries.dueLaneHeads(now, 10, none), [])
    // Node A delivered it and claims the next; node B still cannot take the lane.
    await nodeA.deliveries.markDelivered([a1!.seq])
    assert.equal((await nodeA.deliveries.claimLaneHead('w1', 'dev1', now))?.eventId, 'a2')
    assert.equal(await nodeB.deliveries.claimLaneHead('w1', 'dev1', now), undefined)
    assert.equal(await nodeB.deliveries.claimLaneHead('w1', 'dev1', now + CLAIM_MS + 1).then((d) => d?.eventId), 'a2', 'after the claim ran out')
  })

  it('does not hand out a redelivered older head while a later event of its lane is in flight on another node', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2')])
    const now = Date.now() + 1000
    const a1 = await nodeA.deliveries.claimLaneHead('w1', 'dev1', now)
    await nodeA.deliveries.markFailed(a1!.seq, 'HTTP 410')
    assert.equal((await nodeA.deliveries.claimLaneHead('w1', 'dev1', now))?.eventId, 'a2')
    await nodeB.deliveries.redeliver(a1!.seq)
    assert.equal(await nodeB.deliveries.claimLaneHead('w1', 'dev1', Date.now() + 1000), undefined)
  })

  it('releases the claim when a delivery is settled or put back', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2'), delivery('w1', 'dev1', 'a3')])
    const now = Date.now() + 1000
    const [a1] = await nodeA.deliveries.dueLaneHeads(now, 10, none)
    await nodeA.deliveries.scheduleRetry(a1!.seq, now + 5, 'HTTP 500')
    assert.deepEqual((await nodeB.deliveries.dueLaneHeads(now + 5, 10, none)).map((d) => d.eventId), ['a1'])
    await nodeB.deliveries.markFailed(a1!.seq, 'HTTP 410')
    const [a2] = await nodeA.deliveries.dueLaneHeads(now, 10, none)
    assert.equal(a2?.eventId, 'a2')
    await nodeA.deliveries.markDelivered([a2!.seq])
    const [a3] = await nodeB.deliveries.dueLaneHeads(now, 10, none)
    assert.equal(a3?.eventId, 'a3')
    await nodeB.deliveries.markDelivered([a3!.seq])
    await nodeB.deliveries.redeliver(a1!.seq)
    assert.deepEqual((await nodeA.deliveries.dueLaneHeads(Date.now() + 1000, 10, none)).map((d) => d.eventId), ['a1'])
  })

  it('does not let a redelivered older event start while its lane is in flight on another node', async () => {
    await nodeA.deliveries.enqueue([delivery('w1', 'dev1', 'a1'), delivery('w1', 'dev1', 'a2')])
    const now = Date.now() + 1000
    const [a1] = await nodeA.deliveries.dueLaneHeads(now, 10, none)
    await nodeA.deliveries.markFailed(a1!.seq, 'HTTP 410')
    assert.deepEqual((await nodeA.deliveries.dueLaneHeads(now, 10, none)).map((d) => d.eventId), ['a2'])
    await nodeB.deliveries.redeliver(a1!.seq)
    assert.deepEqual(await nodeB.deliveries.dueLaneHeads(Date.now() + 1000, 10, none), [])
  })
})

describe('postgres migrations', () => {
  it('migrates a fresh schema once when several nodes open it at once', async () => {
    const schema = await createTestSchema()
    try {
      const stores = await Promise.all(['n1', 'n2', 'n3'].map((nodeId) => openPostgresStore({ url: schema.url, nodeId, poolSize: 2 })))
      await stores[0]!.sessions.create('dev1', 'running')
      assert.equal((await stores[2]!.sessions.get('dev1'))?.deviceId, 'dev1')
      await Promise.all(stores.map((store) => store.close()))

      const reopened = await openPostgresStore({ url: schema.url, nodeId: 'n4' })
      assert.equal((await reopened.sessions.list()).length, 1)
      await reopened.close()

      const client = new pg.Client({ connectionString: schema.url })
      await client.connect()
      try {
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        assert.deepEqual(rows.map((row) => row.version), Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1))
      } finally {
        await client.end()
      }
    } finally {
      await schema.drop()
    }
  })

  it('fails to open when the schema cannot be migrated', async () => {
    const url = new URL(databaseUrl)
    url.searchParams.set('options', '-c search_path=store_test_missing_schema')
    await assert.rejects(openPostgresStore({ url: url.toString(), nodeId: 'n' }))
  })
})
