import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { BinaryNode } from '@whiskeysockets/baileys'
import pino from 'pino'
import type { LinkedDevice } from '../accounts.js'
import { LiveConnections } from '../live-connections.js'
import { BoundedQueue, ReceiptDelivery, type ReceiptSocket } from '../receipt-delivery.js'

const PHONE = '15557770001'

class FakeSocket implements ReceiptSocket {
  readonly phoneNumber = PHONE
  readonly device: number
  /** whether sendReceipt takes receipts (logged in, active, open) */
  accepting = true
  readonly written: Array<{ id: string; offline: boolean }> = []

  constructor(readonly linked: LinkedDevice) {
    this.device = linked.device
  }

  sendReceipt(receipt: BinaryNode, offline: boolean): boolean {
    if (!this.accepting) return false
    this.written.push({ id: receipt.attrs.id!, offline })
    return true
  }
}

function device(id = 7): LinkedDevice {
  return { device: id, noiseKey: Buffer.alloc(32), removed: false, historySynced: true, fullHistory: false, name: null }
}

const receipt = (id: string): BinaryNode => ({ tag: 'receipt', attrs: { from: '15550000000@s.whatsapp.net', id, type: 'retry' } })

function setup(limit = 1_000) {
  const warnings: Array<{ msg: string; receipt?: { id: string } }> = []
  const logStream = new Writable({
    write(line: Buffer, _encoding, done) {
      warnings.push(JSON.parse(line.toString()) as { msg: string })
      done()
    }
  })
  const live = new LiveConnections<FakeSocket>()
  const delivery = new ReceiptDelivery(live, pino({ level: 'warn' }, logStream), limit)
  const connect = (linked: LinkedDevice) => {
    const socket = new FakeSocket(linked)
    live.opened(socket)
    live.loggedIn(socket)
    return socket
  }
  return { warnings, live, delivery, connect }
}

test('a bounded queue keeps the newest items, oldest first, and reports what it dropped', () => {
  const queue = new BoundedQueue<number>(3)
  assert.deepEqual([1, 2, 3].flatMap(n => queue.push(n)), [])
  assert.deepEqual(queue.push(4), [1])
  assert.equal(queue.size, 3)
  // items put back in front count as older: they go first when the queue overflows
  assert.deepEqual(queue.unshift([0, 1]), [0, 1])
  assert.deepEqual(queue.drain(), [2, 3, 4])
  assert.equal(queue.size, 0)
  assert.deepEqual(queue.push(5), [])
  assert.deepEqual(queue.unshift([3, 4]), [])
  assert.deepEqual(queue.drain(), [3, 4, 5])
  assert.throws(() => new BoundedQueue(0))
})

test('receipts for a device with no live socket are kept, then flushed in order, marked offline', () => {
  const { delivery, connect } = setup()
  const linked = device()
  delivery.send(PHONE, linked, receipt('a'))
  delivery.send(PHONE, linked, receipt('b'))
  assert.equal(delivery.queued(linked), 2)

  // logged in but not active yet: still kept, behind the others
  const socket = connect(linked)
  socket.accepting = false
  delivery.send(PHONE, linked, receipt('c'))
  assert.equal(delivery.queued(linked), 3)

  socket.accepting = true
  assert.equal(delivery.flush(socket), 3)
  assert.deepEqual(socket.written, [
    { id: 'a', offline: true },
    { id: 'b', offline: true },
    { id: 'c', offline: true }
  ])
  assert.equal(delivery.queued(linked), 0)

  // live from now on
  delivery.send(PHONE, linked, receipt('d'))
  assert.deepEqual(socket.written.at(-1), { id: 'd', offline: false })
  assert.equal(delivery.queued(linked), 0)
})

test('receipts go to the socket of their own device only', () => {
  const { delivery, connect } = setup()
  const [mine, other] = [device(7), device(8)]
  const otherSocket = connect(other)
  delivery.send(PHONE, mine, receipt('a'))
  assert.deepEqual(otherSocket.written, [])
  assert.equal(delivery.queued(mine), 1)
  assert.equal(delivery.flush(otherSocket), 0)
  assert.equal(delivery.queued(mine), 1)
})

test('receipts a closed socket never saw acked go back ahead of those queued since', () => {
  const { delivery, connect, live } = setup()
  const linked = device()
  const old = connect(linked)
  old.accepting = false
  delivery.send(PHONE, linked, receipt('later'))
  live.closed(old)
  delivery.giveBack(PHONE, linked, [receipt('a'), receipt('b')])

  const fresh = connect(linked)
  assert.equal(delivery.flush(fresh), 3)
  assert.deepEqual(
    fresh.written.map(w => w.id),
    ['a', 'b', 'later']
  )
  // with the device back online, what another closing socket gives back goes straight to it
  delivery.giveBack(PHONE, linked, [receipt('c')])
  assert.deepEqual(fresh.written.at(-1), { id: 'c', offline: false })
})

test('a socket that goes away during the flush keeps the rest for the next login', () => {
  const { delivery, connect } = setup()
  const linked = device()
  for (const id of ['a', 'b', 'c']) delivery.send(PHONE, linked, receipt(id))
  const socket = connect(linked)
  const sendReceipt = socket.sendReceipt.bind(socket)
  socket.sendReceipt = (r, offline) => r.attrs.id !== 'b' && sendReceipt(r, offline)
  assert.equal(delivery.flush(socket), 1)
  assert.equal(delivery.queued(linked), 2)
})

test('the queue is bounded per device: the oldest receipts are dropped with a warning', () => {
  const { delivery, warnings } = setup(2)
  const [linked, other] = [device(7), device(8)]
  for (const id of ['a', 'b', 'c', 'd']) delivery.send(PHONE, linked, receipt(id))
  delivery.send(PHONE, other, receipt('x'))
  assert.equal(delivery.queued(linked), 2)
  assert.equal(delivery.queued(other), 1)
  assert.deepEqual(
    warnings.map(w => w.receipt?.id),
    ['a', 'b']
  )
  assert.ok(warnings.every(w => /dropping the oldest/.test(w.msg)))
})

test('an unlinked device keeps nothing', () => {
  const { delivery } = setup()
  const linked = device()
  delivery.send(PHONE, linked, receipt('a'))
  delivery.forget(linked)
  assert.equal(delivery.queued(linked), 0)
  linked.removed = true
  delivery.send(PHONE, linked, receipt('b'))
  delivery.giveBack(PHONE, linked, [receipt('c')])
  assert.equal(delivery.queued(linked), 0)
})

test('held receipts wait as for an offline device, through a login, and go to the live socket in order once released', () => {
  const { delivery, connect } = setup()
  const linked = device()
  const socket = connect(linked)
  delivery.hold(PHONE, true)
  delivery.send(PHONE, linked, receipt('a'))
  assert.equal(delivery.flush(socket), 0, 'a login does not release them')
  delivery.giveBack(PHONE, linked, [receipt('b')])
  assert.equal(socket.written.length, 0)
  assert.equal(delivery.queued(linked), 2)

  delivery.hold(PHONE, false)
  assert.deepEqual(socket.written.map(w => w.id), ['b', 'a'], 'a given-back receipt is older than one queued')
  delivery.send(PHONE, linked, receipt('c'))
  assert.deepEqual(socket.written.map(w => w.id), ['b', 'a', 'c'], 'live again')
})
