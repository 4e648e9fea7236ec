import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TurnBudget } from '../../src/whatsapp/turn-budget.js'

/** A clock the test moves by hand: "work" takes exactly as long as the test says. */
function manualClock(): { now: () => number; spend: (ms: number) => void } {
  let time = 0
  return { now: () => time, spend: (ms) => void (time += ms) }
}

/** Counts event-loop turns (check phases) until stopped. */
function turnCounter(): { current: () => number; stop: () => void } {
  let turns = 0
  let timer = setImmediate(function tick() {
    turns++
    timer = setImmediate(tick)
  })
  return { current: () => turns, stop: () => clearImmediate(timer) }
}

describe('TurnBudget', () => {
  it('lets a chain of work continue in the same turn while it stays within the budget, and not past it', async () => {
    const clock = manualClock()
    const budget = new TurnBudget(10, clock.now)
    const turns = turnCounter()
    try {
      for (let step = 0; step < 4; step++) {
        await budget.pause()
        clock.spend(2)
      }
      assert.equal(turns.current(), 0, '8 ms of 10: no turn given away')
      clock.spend(2)
      await budget.pause()
      assert.ok(turns.current() >= 1, 'at 10 ms the chain continues in a later turn')
    } finally {
      turns.stop()
    }
  })

  it('lets deferred callers through in the order they paused, new callers behind them, each turn within budget', async () => {
    const clock = manualClock()
    const budget = new TurnBudget(10, clock.now)
    const turns = turnCounter()
    const ranAt = new Map<string, number>()
    const step = async (name: string, cost: number): Promise<void> => {
      await budget.pause()
      ranAt.set(name, turns.current())
      clock.spend(cost)
    }
    try {
      await step('a', 12)
      // the turn is spent: b, c and d wait, in that order, even though d paused last
      const waiting = [step('b', 6), step('c', 6), step('d', 1)]
      assert.equal(ranAt.size, 1)
      await Promise.all(waiting)
      assert.deepEqual([...ranAt.keys()], ['a', 'b', 'c', 'd'])
      assert.ok(ranAt.get('b')! > ranAt.get('a')!)
      // c starts 6 ms into b's turn; d would start at 12 ms, past the budget, so it gets a turn of its own
      assert.equal(ranAt.get('c'), ranAt.get('b'))
      assert.ok(ranAt.get('d')! > ranAt.get('c')!, `c in turn ${ranAt.get('c')}, d in turn ${ranAt.get('d')}`)
    } finally {
      turns.stop()
    }
  })

  it('gives every deferred caller its turn even when each one alone exceeds the budget', async () => {
    const clock = manualClock()
    const budget = new TurnBudget(5, clock.now)
    await budget.pause()
    clock.spend(50)
    const finished: number[] = []
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await budget.pause()
        clock.spend(50)
        finished.push(i)
      }),
    )
    assert.deepEqual(finished, Array.from({ length: 20 }, (_, i) => i))
  })

  it('sets a bounded number of immediates per turn, however many callers wait', async () => {
    const clock = manualClock()
    const budget = new TurnBudget(10, clock.now)
    const original = globalThis.setImmediate
    let immediates = 0
    globalThis.setImmediate = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
      immediates++
      return original(callback, ...args)
    }) as typeof setImmediate
    const callers = 2000
    try {
      await budget.pause()
      clock.spend(20)
      const finished: number[] = []
      await Promise.all(
        Array.from({ length: callers }, async (_, i) => {
          await budget.pause()
          clock.spend(1)
          finished.push(i)
        }),
      )
      assert.deepEqual(finished, Array.from({ length: callers }, (_, i) => i))
    } finally {
      globalThis.setImmediate = original
    }
    // About ten callers a turn for two hundred turns: one immediate per waiting caller per turn would be 200,000.
    assert.ok(immediates < 20 * callers, `${immediates} immediates for ${callers} callers`)
  })
})
