import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startControlServer, type ControlServer } from '../control-http.js'
import { startSimulator, type Simulator } from '../index.js'
import { makeMemoryKeyStore } from '../memory-keys.js'
import { connectClient, eventually, statusCodeOf } from './client.js'

let sim: Simulator
let control: ControlServer
before(async () => {
  sim = await startSimulator()
  control = await startControlServer(sim)
})
after(async () => {
  await control.close()
  await sim.close()
})

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(control.url + path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  })
  return { status: res.status, json: await res.json() }
}

test('pair, message both ways and kick through the control API', async () => {
  const info = await call('GET', '/info')
  assert.equal(info.json.url, sim.url)

  const keys = makeMemoryKeyStore()
  const pairing = connectClient(sim, { keys })
  const { qr } = await pairing.next('connection.update', u => !!u.qr)
  const scan = await call('POST', '/scan', { qr, phoneNumber: '15550002222' })
  assert.equal(scan.status, 200)
  assert.equal(scan.json.phoneNumber, '15550002222')
  await pairing.closed()

  const client = connectClient(sim, { creds: pairing.creds, keys })
  await client.next('connection.update', u => u.connection === 'open')
  assert.equal((await call('GET', '/connections?phoneNumber=15550002222')).json.live, 1)

  const upsert = client.next('messages.upsert', ({ messages }) => messages.some(m => m.message?.conversation === 'via http'))
  assert.equal((await call('POST', '/inbound', { to: '15550002222', from: '15556660000', text: 'via http' })).status, 200)
  await upsert

  const sent = await client.sock.sendMessage('15556660000@s.whatsapp.net', { text: 'answer' })
  await eventually(() => sim.received().some(m => m.id === sent?.key.id))
  const received = await call('GET', '/received')
  assert.ok(received.json.some((m: { text?: string }) => m.text === 'answer'))

  assert.equal((await call('POST', '/kick', { phoneNumber: '15550002222', code: 503 })).status, 200)
  assert.equal(statusCodeOf(await client.closed()), 503)
})

test('bad input gets a 400 with a message, unknown routes a 404', async () => {
  const bad = await call('POST', '/kick', { code: 503 })
  assert.equal(bad.status, 400)
  assert.match(bad.json.error, /phoneNumber/)
  assert.equal((await call('GET', '/nope')).status, 404)
  assert.equal((await call('POST', '/scan', { qr: 'garbage' })).status, 409)
})
