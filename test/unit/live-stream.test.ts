import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { envelope } from '../../src/events/envelope.js'
import { LiveStream, RECENT_EVENTS } from '../../src/events/live-stream.js'

const event = (deviceId: string, n: number) => envelope('message.received', deviceId, { n })

describe('live stream resume points', () => {
  it('resumes after an event id or after a position, with the filter applied', () => {
    const live = new LiveStream()
    const start = live.position()
    const first = event('a', 1)
    live.publish(first)
    const middle = live.position()
    live.publish(event('b', 2))
    live.publish(event('a', 3))
    const numbers = (events: ReturnType<LiveStream['since']>) => events?.map((e) => e.data.n)
    assert.deepEqual(numbers(live.since(start, {})), [1, 2, 3])
    assert.deepEqual(numbers(live.since(middle, { deviceId: 'a' })), [3])
    assert.deepEqual(numbers(live.since(first.id, {})), [2, 3])
    assert.deepEqual(numbers(live.since(live.position(), {})), [])
  })

  it('refuses points it cannot answer for: dropped from the ring, another process\'s, not reached yet, malformed', () => {
    const live = new LiveStream()
    const start = live.position()
    const first = event('a', 0)
    live.publish(first)
    for (let n = 1; n <= RECENT_EVENTS; n++) live.publish(event('a', n))
    assert.equal(live.since(start, {}), undefined, 'the events after it are no longer all kept')
    assert.equal(live.since(first.id, {}), undefined)
    const now = live.position()
    assert.deepEqual(live.since(now, {}), [])
    assert.equal(live.since(new LiveStream().position(), {}), undefined, 'another epoch')
    const [epoch] = now.slice(1).split('.')
    assert.equal(live.since(`@${epoch}.${RECENT_EVENTS + 5}`, {}), undefined, 'a position not reached yet')
    assert.equal(live.since('@nonsense', {}), undefined)
  })
})
