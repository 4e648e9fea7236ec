import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LRUCache } from 'lru-cache'
import { AuthThrottle } from '../../src/security/auth-throttle.js'
import { ttlCache } from '../../src/ttl-cache.js'

/** How many timers `work` armed. */
async function timersArmedBy(work: () => Promise<void>): Promise<number> {
  const original = globalThis.setTimeout
  let armed = 0
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    armed++
    return original(...args)
  }) as typeof setTimeout
  try {
    await work()
  } finally {
    globalThis.setTimeout = original
  }
  return armed
}

/** Event-loop turns, until `ms` went by (no timer of its own). */
async function turnsFor(ms: number): Promise<void> {
  const until = performance.now() + ms
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve))
}

/** Reads and writes in twenty turns of the event loop a little over a millisecond apart, as under load. */
async function busyReads(cache: LRUCache<string, number>): Promise<void> {
  for (let index = 0; index < 1_000; index++) {
    cache.set(`key ${index % 10}`, index)
    cache.get(`key ${(index + 5) % 10}`)
    if (index % 50 === 0) await turnsFor(1.5)
  }
}

describe('ttlCache', () => {
  it('arms no timer however often it is read, where lru-cache by default arms one per millisecond read', async () => {
    assert.equal(await timersArmedBy(() => busyReads(ttlCache<string, number>({ max: 100, ttl: 60_000 }))), 0)
    assert.ok(await timersArmedBy(() => busyReads(new LRUCache<string, number>({ max: 100, ttl: 60_000 }))) >= 10)
  })

  it('still expires entries after their ttl', () => {
    let now = 1_000
    const cache = ttlCache<string, string>({ max: 10, ttl: 500, perf: { now: () => now } })
    cache.set('a', 'x')
    now += 499
    assert.equal(cache.get('a'), 'x')
    now += 2
    assert.equal(cache.get('a'), undefined)
  })

  it('is what the caches on the request path use (the key throttle)', async () => {
    const throttle = new AuthThrottle(5, 60_000)
    assert.equal(await timersArmedBy(async () => {
      for (let index = 0; index < 20; index++) {
        throttle.check('127.0.0.1', 'wa_live_key')
        throttle.succeed('127.0.0.1', 'wa_live_key')
        await turnsFor(1.5)
      }
    }), 0)
  })
})
