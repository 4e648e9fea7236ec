import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, statusCodeOf } from './client.js'

const sims: Simulator[] = []
after(() => Promise.all(sims.map(s => s.close())))
async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(opts)
  sims.push(s)
  return s
}

test('QR pairing: scan, pair-success, 515 restart, then login reaches open', async () => {
  const s = await sim()
  const keys = makeMemoryKeyStore()
  const first = connectClient(s, { keys })
  const { qr } = await first.next('connection.update', u => !!u.qr)
  assert.match(qr!, /^https:\/\/wa\.me\/settings\/linked_devices#/)

  const paired = await s.scanQr(qr!, { phoneNumber: '15550001111' })
  assert.equal(paired.phoneNumber, '15550001111')
  assert.equal(statusCodeOf(await first.closed()), 515)
  assert.equal(first.creds.me?.id, paired.jid)
  assert.equal(first.creds.me?.lid, paired.lid)

  const second = connectClient(s, { creds: first.creds, keys })
  await second.next('connection.update', u => u.connection === 'open')
  assert.equal(s.liveConnections('15550001111'), 1)
  await second.end()
})

test('when every ref has been shown without a scan the client gives up with 408', async () => {
  const s = await sim({ qrRefCount: 2 })
  const client = connectClient(s, { config: { qrTimeout: 100 } })
  const qrs: string[] = []
  client.sock.ev.on('connection.update', u => u.qr && qrs.push(u.qr))
  const closed = await client.closed()
  assert.equal(statusCodeOf(closed), 408)
  assert.equal(qrs.length, 2)
})

test('an expired QR code cannot be scanned', async () => {
  const s = await sim({ qrRefCount: 3, qrTtlMs: 50 })
  const client = connectClient(s, { config: { qrTimeout: 150 } })
  const { qr: firstQr } = await client.next('connection.update', u => !!u.qr)
  await client.next('connection.update', u => !!u.qr && u.qr !== firstQr)
  await assert.rejects(s.scanQr(firstQr!), /expired/)
  await client.end()
})

test('a reconnect after unlink is refused as logged out', async () => {
  const s = await sim()
  const { phoneNumber, creds } = s.provision()
  const client = connectClient(s, { creds })
  await client.next('connection.update', u => u.connection === 'open')
  s.unlink(phoneNumber)
  assert.equal(statusCodeOf(await client.closed()), 401)

  const again = connectClient(s, { creds })
  assert.equal(statusCodeOf(await again.closed()), 401)
})
