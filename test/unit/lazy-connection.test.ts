import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LazyConnection } from '../../src/events/transports/event-transport.js'

describe('a broker connection shared by every lane', () => {
  it('opens once for concurrent uses, and a failed use drops only the connection it used', async () => {
    let opened = 0
    const disposed: number[] = []
    const connection = new LazyConnection<number>('Broker', async () => ++opened, async (n) => void disposed.push(n))
    assert.deepEqual(await Promise.all([connection.use(async (n) => n), connection.use(async (n) => n)]), [1, 1])

    // Lane A fails on connection 1 and drops it; lane C opens connection 2; lane B, which also failed on 1, must not drop 2.
    let failB!: (error: Error) => void
    const laneB = connection.use(() => new Promise<number>((_resolve, reject) => (failB = reject)))
    await assert.rejects(connection.use(async () => {
      throw new Error('A failed')
    }), /A failed/)
    assert.equal(await connection.use(async (n) => n), 2)
    failB(new Error('B failed on the old connection'))
    await assert.rejects(laneB, /old connection/)
    assert.equal(await connection.use(async (n) => n), 2, 'the new connection stays')
    assert.deepEqual(disposed, [1])
  })

  it('does not wait for a close the broker never answers before the next use', async () => {
    let opened = 0
    const connection = new LazyConnection<number>('Broker', async () => ++opened, () => new Promise<void>(() => undefined))
    await assert.rejects(connection.use(async () => {
      throw new Error('stalled')
    }))
    assert.equal(await connection.use(async (n) => n), 2)
  })

  it('fails a use whose connection cannot open, and opens again next time', async () => {
    let attempts = 0
    const connection = new LazyConnection<number>('Broker', async () => {
      attempts += 1
      if (attempts === 1) throw new Error('ECONNREFUSED')
      return attempts
    }, async () => undefined)
    await assert.rejects(connection.use(async (n) => n), /ECONNREFUSED/)
    assert.equal(await connection.use(async (n) => n), 2)
  })
})
