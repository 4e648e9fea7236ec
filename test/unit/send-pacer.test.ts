import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SendPacer } from '../../src/messaging/send-pacer.js'

describe('SendPacer', () => {
  it('lets the burst through, then one message per interval, counted per window', () => {
    let now = 0
    const pacer = new SendPacer(3, () => now, () => 0)
    const sentPerSecond = new Map<number, number>()
    // Try to send every 10 ms for 10 s at 60/min: 3 at once, then one per second.
    for (now = 0; now < 10_000; now += 10) {
      if (pacer.take('dev', 60) === 0) sentPerSecond.set(Math.floor(now / 1000), (sentPerSecond.get(Math.floor(now / 1000)) ?? 0) + 1)
    }
    assert.equal(sentPerSecond.get(0), 3)
    for (let second = 1; second < 10; second++) assert.equal(sentPerSecond.get(second), 1, `second ${second}`)
  })

  it('says how long to wait, stretched by at most 20% jitter', () => {
    const pacer = new SendPacer(1, () => 0, () => 1)
    assert.equal(pacer.take('dev', 60), 0)
    assert.equal(pacer.take('dev', 60), 1200)
  })

  it('is unlimited at rate 0 and keeps sessions apart', () => {
    const pacer = new SendPacer(1, () => 0, () => 0)
    for (let i = 0; i < 100; i++) assert.equal(pacer.take('free', 0), 0)
    assert.equal(pacer.take('a', 60), 0)
    assert.equal(pacer.take('b', 60), 0)
    assert.ok(pacer.take('a', 60) > 0)
  })
})
