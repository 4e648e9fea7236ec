import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pino from 'pino'
import { type Destination, DeliveryDispatcher } from '../../src/events/delivery-dispatcher.js'
import { EventBus } from '../../src/events/event-bus.js'
import type { DeliveryRecord, DeliveryRepository } from '../../src/store/ports.js'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { createSqliteDeliveryRepository } from '../../src/store/sqlite/delivery-repository.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

/** The real SQLite queue, counting how often the dispatcher looked at every lane, and at one lane's head. */
function countingQueue(): { deliveries: DeliveryRepository; looks: () => number; claims: () => number } {
  const db = openDatabase(tempDir())
  const real = createSqliteDeliveryRepository(db, new GroupCommit(db))
  let looks = 0
  let claims = 0
  const deliveries: DeliveryRepository = {
    ...real,
    dueLaneHeads: (...args) => {
      looks++
      return real.dueLaneHeads(...args)
    },
    claimLaneHead: (...args) => {
      claims++
      return real.claimLaneHead(...args)
    },
  }
  return { deliveries, looks: () => looks, claims: () => claims }
}

/** A webhook that records what it got, answering each delivery when `answer` lets it. */
function recordingWebhook(answer: (delivery: DeliveryRecord) => Promise<void> = async () => undefined) {
  const got: string[] = []
  const destination: Destination = {
    maxBatch: 1,
    deliver: async ([delivery]) => {
      got.push(delivery!.eventId)
      await answer(delivery!)
      return { delivered: 1 }
    },
  }
  return { got, destination }
}

function dispatcherFor(deliveries: DeliveryRepository, destination: Destination, concurrency: number): DeliveryDispatcher {
  return new DeliveryDispatcher({
    deliveries,
    bus: new EventBus(() => undefined),
    destination: async () => destination,
    concurrency,
    retryBaseMs: 10,
    maxRetryDelayMs: 10,
    retryForMs: 60_000,
    logger: pino({ level: 'silent' }),
  })
}

const events = (webhookId: string, deviceId: string, ids: string[]) =>
  ids.map((eventId) => ({ webhookId, deviceId, eventId, eventType: 'message.received', body: '{}' }))
const laterMillisecond = (): Promise<unknown> => {
  const now = Date.now()
  return waitFor(() => Date.now() > now, { what: 'the next millisecond', intervalMs: 1 })
}
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`)

describe('DeliveryDispatcher', () => {
  it('drains a lane\'s backlog in order, the lane taking each next head itself', async () => {
    const { deliveries, looks } = countingQueue()
    const webhook = recordingWebhook()
    await deliveries.enqueue(events('w1', 'dev1', ids('a', 50)))
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 4)
    dispatcher.start()
    await waitFor(() => webhook.got.length === 50, { what: 'the backlog delivered' })
    // the destination has an event before the dispatcher's delivered mark commits
    await waitFor(async () => (await deliveries.list('pending', 100)).length === 0, { what: 'every delivery marked delivered' })
    dispatcher.stop()
    assert.deepEqual(webhook.got, ids('a', 50))
    assert.ok(looks() <= 3, `looked at every lane ${looks()} times for one lane of 50`)
  })

  it('takes events queued into a busy lane without a look at every lane', async () => {
    const { deliveries, looks } = countingQueue()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const webhook = recordingWebhook((delivery) => (delivery.eventId === 'a0' ? held : Promise.resolve()))
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 4)
    dispatcher.start()
    await deliveries.enqueue(events('w1', 'dev1', ['a0']))
    dispatcher.wake([{ webhookId: 'w1', deviceId: 'dev1' }])
    await waitFor(() => webhook.got.length === 1, { what: 'the first attempt under way' })
    const before = looks()
    for (const id of ids('b', 10)) {
      await deliveries.enqueue(events('w1', 'dev1', [id]))
      dispatcher.wake([{ webhookId: 'w1', deviceId: 'dev1' }])
    }
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(looks(), before, 'the lane was busy: nothing to look for')
    release()
    await waitFor(() => webhook.got.length === 11, { what: 'the events queued meanwhile delivered' })
    dispatcher.stop()
    assert.deepEqual(webhook.got, ['a0', ...ids('b', 10)])
  })

  it('takes events queued one by one into idle lanes by looking at those lanes alone', async () => {
    const { deliveries, looks } = countingQueue()
    const webhook = recordingWebhook()
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 4)
    dispatcher.start()
    await waitFor(() => looks() === 1, { what: 'the first look at every lane' })
    const lanes = ['dev1', 'dev2', 'dev3']
    const laneOf = (id: string): string => lanes[Number(id.slice(1)) % lanes.length]!
    for (const id of ids('e', 30)) {
      const deviceId = laneOf(id)
      await deliveries.enqueue(events('w1', deviceId, [id]))
      dispatcher.wake([{ webhookId: 'w1', deviceId }])
      // every other event waits for the one before it: lanes start idle and run dry again and again
      if (Number(id.slice(1)) % 2 === 0) await waitFor(() => webhook.got.includes(id), { what: `${id} delivered` })
    }
    await waitFor(() => webhook.got.length === 30, { what: 'every event delivered' })
    await waitFor(async () => (await deliveries.list('pending', 100)).length === 0, { what: 'every delivery marked delivered' })
    dispatcher.stop()
    assert.equal(looks(), 1, 'no look at every lane after the first')
    for (const deviceId of lanes) {
      const mine = ids('e', 30).filter((id) => laneOf(id) === deviceId)
      assert.deepEqual(webhook.got.filter((id) => mine.includes(id)), mine, `${deviceId}'s events in order`)
    }
  })

  it('reads a lane that ran dry again only when an event was queued into it while it was busy', async () => {
    const { deliveries, claims, looks } = countingQueue()
    const webhook = recordingWebhook()
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 4)
    dispatcher.start()
    await waitFor(() => looks() === 1, { what: 'the first look at every lane' })
    for (const id of ids('s', 5)) {
      await deliveries.enqueue(events('w1', 'dev1', [id]))
      dispatcher.wake([{ webhookId: 'w1', deviceId: 'dev1' }])
      await waitFor(() => webhook.got.includes(id), { what: `${id} delivered` })
      await new Promise((resolve) => setImmediate(resolve))
    }
    // Each event into the idle lane: its head taken, then the lane found dry; no third read.
    assert.equal(claims(), 10)

    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const holding = recordingWebhook((delivery) => (delivery.eventId === 'h0' ? held : Promise.resolve()))
    const second = countingQueue()
    const busy = dispatcherFor(second.deliveries, holding.destination, 4)
    busy.start()
    await second.deliveries.enqueue(events('w1', 'dev1', ['h0']))
    busy.wake([{ webhookId: 'w1', deviceId: 'dev1' }])
    await waitFor(() => holding.got.length === 1, { what: 'the first attempt under way' })
    // Queued while the lane is busy, the event is seen by the lane's own next read, or by the look its wake left behind.
    await second.deliveries.enqueue(events('w1', 'dev1', ['h1']))
    busy.wake([{ webhookId: 'w1', deviceId: 'dev1' }])
    release()
    await waitFor(() => holding.got.length === 2, { what: 'the event queued meanwhile delivered' })
    dispatcher.stop()
    busy.stop()
    assert.deepEqual(holding.got, ['h0', 'h1'])
  })

  it('with every slot taken, a lane gives its slot back after each attempt: the oldest event of any lane goes next', async () => {
    const { deliveries } = countingQueue()
    const webhook = recordingWebhook()
    // queued in three moments: the second lane's event is older than the first lane's last two
    await deliveries.enqueue(events('w1', 'dev1', ['a0', 'a1', 'a2']))
    await laterMillisecond()
    await deliveries.enqueue(events('w1', 'dev2', ['b0']))
    await laterMillisecond()
    await deliveries.enqueue(events('w1', 'dev1', ['a3', 'a4']))
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 1)
    dispatcher.start()
    await waitFor(() => webhook.got.length === 6, { what: 'both lanes delivered' })
    dispatcher.stop()
    assert.deepEqual(webhook.got, ['a0', 'a1', 'a2', 'b0', 'a3', 'a4'])
  })

  it('starts no attempt once stopped, even for a lane that was draining', async () => {
    const { deliveries } = countingQueue()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const webhook = recordingWebhook((delivery) => (delivery.eventId === 'a0' ? held : Promise.resolve()))
    await deliveries.enqueue(events('w1', 'dev1', ids('a', 5)))
    const dispatcher = dispatcherFor(deliveries, webhook.destination, 4)
    dispatcher.start()
    await waitFor(() => webhook.got.length === 1, { what: 'the first attempt under way' })
    dispatcher.stop()
    release()
    await waitFor(async () => (await deliveries.list('delivered', 10)).length === 1, { what: 'the attempt under way recorded' })
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(webhook.got, ['a0'])
    assert.equal((await deliveries.list('pending', 10)).length, 4)
  })
})
