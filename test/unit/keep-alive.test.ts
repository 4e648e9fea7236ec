import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it, mock } from 'node:test'
import { type BinaryNode, DisconnectReason } from '@whiskeysockets/baileys'
import { keepAlive, type KeepAliveSocket } from '../../src/whatsapp/keep-alive.js'
import { FRAME_ARRIVED, paceSocketEvents } from '../../src/whatsapp/socket-event-pacing.js'
import { TurnBudget } from '../../src/whatsapp/turn-budget.js'

const INTERVAL_MS = 30_000
const STANZA: BinaryNode = { tag: 'success', attrs: {} }
/** Lets the pings that were let through reach the socket. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A socket that records what the keep-alive does with it. */
function fakeSocket() {
  const ws = Object.assign(new EventEmitter(), { isOpen: true })
  const ev = new EventEmitter()
  const sent: BinaryNode[] = []
  const ended: Array<Error | undefined> = []
  let tag = 0
  const socket: KeepAliveSocket = {
    ws,
    ev,
    sendNode: async (node) => void sent.push(node),
    generateMessageTag: () => `tag-${++tag}`,
    end: (error) => void ended.push(error),
  }
  return { socket, ws, ev, sent, ended }
}

describe('keepAlive', () => {
  it('pings once an interval after the first stanza, as Baileys\' ping, and never during the handshake', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws, sent } = fakeSocket()
    keepAlive(socket, INTERVAL_MS)
    ws.emit('frame', new Uint8Array(32))
    t.mock.timers.tick(3 * INTERVAL_MS)
    await settled()
    assert.equal(sent.length, 0, 'only the handshake\'s raw frames so far')
    ws.emit('frame', STANZA)
    t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.deepEqual(sent, [{ tag: 'iq', attrs: { id: 'tag-1', to: '@s.whatsapp.net', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] }])
    ws.emit('frame', STANZA)
    t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.equal(sent.length, 2)
  })

  it('ends a socket that received nothing for an interval and five seconds, as lost; frames keep it alive', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws, sent, ended } = fakeSocket()
    keepAlive(socket, INTERVAL_MS)
    ws.emit('frame', STANZA)
    for (let i = 0; i < 5; i++) {
      t.mock.timers.tick(INTERVAL_MS - 1_000)
      ws.emit('frame', STANZA)
      t.mock.timers.tick(1_000)
    }
    await settled()
    assert.equal(ended.length, 0)
    assert.equal(sent.length, 5)
    // the answers stop: the next tick still pings (30 s of silence), the one after ends it
    t.mock.timers.tick(INTERVAL_MS)
    assert.equal(ended.length, 0)
    t.mock.timers.tick(INTERVAL_MS)
    assert.equal(ended.length, 1)
    assert.equal((ended[0] as Error & { output: { statusCode: number } }).output.statusCode, DisconnectReason.connectionLost)
    // ended once: the keep-alive is done with this socket, whether or not its close follows
    for (let i = 0; i < 5; i++) t.mock.timers.tick(INTERVAL_MS)
    assert.equal(ended.length, 1)
    assert.equal(ws.listenerCount('frame'), 0)
    assert.equal(ws.listenerCount(FRAME_ARRIVED), 0)
  })

  it('counts a frame that arrived as proof of life while its handling still waits for a turn', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws, ended } = fakeSocket()
    // A budget spent for good: every frame's handling waits.
    const turns = new TurnBudget(0, () => 0)
    void turns.pause()
    paceSocketEvents(ws, turns)
    keepAlive(socket, INTERVAL_MS)
    ws.emit('frame', STANZA)
    for (let i = 0; i < 5; i++) {
      t.mock.timers.tick(INTERVAL_MS)
      ws.emit('message', new Uint8Array(8))
    }
    assert.equal(ended.length, 0, 'frames kept arriving')
    t.mock.timers.tick(2 * INTERVAL_MS)
    assert.equal(ended.length, 1, 'silence ends it as before')
  })

  it('sends nothing while the socket is not open, and stops for good when it closes', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws, ev, sent, ended } = fakeSocket()
    keepAlive(socket, INTERVAL_MS)
    ws.emit('frame', STANZA)
    ws.isOpen = false
    t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.equal(sent.length, 0)
    ws.isOpen = true
    ev.emit('connection.update', { connection: 'close' })
    assert.equal(ws.listenerCount('frame'), 0)
    for (let i = 0; i < 10; i++) t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.equal(sent.length, 0)
    assert.equal(ended.length, 0)
  })

  it('sends a due ping only when the pace lets it through', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws, sent } = fakeSocket()
    let letThrough = (): void => undefined
    keepAlive(socket, INTERVAL_MS, () => new Promise<void>((resolve) => (letThrough = resolve)))
    ws.emit('frame', STANZA)
    t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.equal(sent.length, 0, 'held by the pace')
    letThrough()
    await settled()
    assert.equal(sent.length, 1)
  })

  it('swallows a ping that fails to send (the socket is closing)', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] })
    const { socket, ws } = fakeSocket()
    const failing = mock.fn(async () => {
      throw new Error('Connection Closed')
    })
    socket.sendNode = failing
    keepAlive(socket, INTERVAL_MS)
    ws.emit('frame', STANZA)
    t.mock.timers.tick(INTERVAL_MS)
    await settled()
    assert.equal(failing.mock.callCount(), 1)
  })
})
