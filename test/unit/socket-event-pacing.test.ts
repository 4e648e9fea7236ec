import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { paceSocketEvents } from '../../src/whatsapp/socket-event-pacing.js'
import { TurnBudget } from '../../src/whatsapp/turn-budget.js'

describe('paceSocketEvents', () => {
  it('lets a thousand sockets closing together through a few at a time, each turn within the budget, other events at once', async () => {
    let clock = 0
    const turns = new TurnBudget(10, () => clock)
    const handled: number[] = []
    const sockets = Array.from({ length: 1000 }, (_, index) => {
      const ws = new EventEmitter()
      paceSocketEvents(ws, turns)
      // Each close costs 1 ms of the clock, as Baileys' handling of one would.
      ws.on('close', () => {
        clock += 1
        handled.push(index)
      })
      return ws
    })
    const opened: string[] = []
    sockets[0]!.on('open', (text: string) => opened.push(text))
    sockets[0]!.emit('open', 'at once')
    assert.deepEqual(opened, ['at once'])

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

  it('handles a socket\'s frames and its close in the order they came, past the budget too', async () => {
    let clock = 0
    const turns = new TurnBudget(10, () => clock)
    const ws = new EventEmitter()
    paceSocketEvents(ws, turns)
    const handled: string[] = []
    ws.on('message', (frame: string) => {
      clock += 4
      handled.push(frame)
    })
    ws.on('close', () => handled.push('close'))
    const frames = Array.from({ length: 20 }, (_, index) => `frame ${index}`)
    // Each frame its own read, as in a poll phase; the close after the last.
    for (const event of [...frames, 'close']) {
      if (event === 'close') ws.emit('close')
      else ws.emit('message', event)
      for (let tick = 0; tick < 3; tick++) await Promise.resolve()
    }
    assert.deepEqual(handled, frames.slice(0, 3), 'a budget\'s worth in the turn they came in')
    while (handled.length < frames.length + 1) await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(handled, [...frames, 'close'])
  })
})
