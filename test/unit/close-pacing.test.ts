import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { paceCloseEvents } from '../../src/whatsapp/close-pacing.js'
import { TurnBudget } from '../../src/whatsapp/turn-budget.js'

describe('paceCloseEvents', () => {
  it('lets a thousand sockets closing together through a few at a time, each turn within the budget, other events at once', async () => {
    let clock = 0
    const turns = new TurnBudget(10, () => clock)
    const handled: number[] = []
    const sockets = Array.from({ length: 1000 }, (_, index) => {
      const ws = new EventEmitter()
      paceCloseEvents(ws, turns)
      // Each close costs 1 ms of the clock, as Baileys' handling of one would.
      ws.on('close', () => {
        clock += 1
        handled.push(index)
      })
      return ws
    })
    const messages: string[] = []
    sockets[0]!.on('message', (text: string) => messages.push(text))
    sockets[0]!.emit('message', 'at once')
    assert.deepEqual(messages, ['at once'])

    // One poll phase: each socket's close is its own callback, with the microtasks it queued run after it.
    for (const ws of sockets) {
      assert.equal(ws.emit('close'), true)
      for (let tick = 0; tick < 3; tick++) await Promise.resolve()
    }
    assert.ok(handled.length <= 11, `${handled.length} closes handled in the turn they came in`)
    const perTurn: number[] = []
    while (handled.length < sockets.length) {
      const before = handled.length
      await new Promise((resolve) => setImmediate(resolve))
      perTurn.push(handled.length - before)
    }
    assert.ok(Math.max(...perTurn) <= 11, `at most a budget's worth per turn (${Math.max(...perTurn)})`)
    assert.deepEqual(handled, sockets.map((_, index) => index), 'in the order they closed')
  })
})
