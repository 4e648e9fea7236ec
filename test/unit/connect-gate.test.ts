import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConnectGate } from '../../src/sessions/connect-gate.js'

describe('ConnectGate', () => {
  it('grants free slots at once, queues the rest in order, and hands each released slot on', () => {
    const gate = new ConnectGate(2)
    const entered: string[] = []
    const releases = new Map<string, () => void>()
    for (const name of ['a', 'b', 'c', 'd']) {
      gate.enter((release) => {
        entered.push(name)
        releases.set(name, release)
      })
    }
    assert.deepEqual(entered, ['a', 'b'])
    releases.get('a')!()
    releases.get('a')!()
    assert.deepEqual(entered, ['a', 'b', 'c'], 'a second release of the same slot grants nothing more')
    releases.get('b')!()
    assert.deepEqual(entered, ['a', 'b', 'c', 'd'])
    releases.get('c')!()
    releases.get('d')!()
    gate.enter((release) => {
      entered.push('e')
      release()
    })
    gate.enter(() => entered.push('f'))
    assert.deepEqual(entered.slice(4), ['e', 'f'])
  })

  it('starts at most its rate per second after a burst of its limit, so retries that fail at once cannot all start together', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let clock = 0
    const gate = new ConnectGate(3, 10, () => clock)
    const entered: number[] = []
    // WhatsApp unreachable: every attempt ends right after it starts (connecting is asynchronous).
    for (let index = 0; index < 8; index++) {
      gate.enter((release) => {
        entered.push(clock)
        queueMicrotask(release)
      })
    }
    assert.deepEqual(entered, [0, 0, 0], 'a burst of the limit at once, then the rate')
    for (let step = 0; step < 10; step++) {
      await Promise.resolve()
      clock += 50
      t.mock.timers.tick(50)
    }
    assert.deepEqual(entered, [0, 0, 0, 100, 200, 300, 400, 500], 'one start each 100 ms')
    await Promise.resolve()
    clock += 1000
    t.mock.timers.tick(1000)
    gate.enter(() => entered.push(clock))
    assert.equal(entered.length, 9, 'a rested gate grants at once again')
  })

  it('spends no start on a request given back as soon as granted (a session stopped while it waited)', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let clock = 0
    const gate = new ConnectGate(2, 10, () => clock)
    const releases: Array<() => void> = []
    gate.enter((release) => releases.push(release))
    gate.enter((release) => releases.push(release))
    for (let index = 0; index < 10; index++) gate.enter((release) => release())
    let liveAt: number | undefined
    gate.enter(() => (liveAt = clock))
    releases[0]!()
    clock += 100
    t.mock.timers.tick(100)
    assert.equal(liveAt, 100, 'the live request starts with the next start, not ten later')
  })
})
