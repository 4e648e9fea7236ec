import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startControlServer, type ControlServer } from '../control-http.js'
import { startSimulator, type Simulator } from '../index.js'
import { connectClient } from './client.js'

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

const get = (path: string) => fetch(control.url + path)

test('the page is labelled demo-only, self-contained and served with a strict CSP', async () => {
  const page = await get('/')
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/)
  const html = await page.text()
  assert.match(html, /DEMO ONLY/)
  assert.doesNotMatch(html, /<script>|<style>|\son\w+=|https?:\/\/(?!wa\.me)/, 'no inline code and no external resources')
  const script = await get('/phone.js')
  assert.match(script.headers.get('content-type') ?? '', /javascript/)
  assert.match(await script.text(), /\/pending-qrs/)
})

test('pending QR refs and linked accounts are listed for the page', async () => {
  const client = connectClient(sim)
  const { qr } = await client.next('connection.update', u => !!u.qr)
  const pending = (await (await get('/pending-qrs')).json()) as Array<{ ref: string; expiresAt: number }>
  assert.equal(pending.length, 1, 'one entry per client: the ref it shows now')
  assert.ok(qr!.includes(pending[0]!.ref) && pending[0]!.expiresAt > Date.now())

  const scan = await fetch(control.url + '/scan', { method: 'POST', body: JSON.stringify({ qr, phoneNumber: '15550006666' }) })
  assert.equal(scan.status, 200)
  await client.closed()
  const accounts = (await (await get('/accounts')).json()) as Array<{ phoneNumber: string; devices: number[] }>
  assert.deepEqual(accounts.map(a => a.phoneNumber), ['15550006666'])
  assert.deepEqual((await (await get('/pending-qrs')).json()) as unknown[], [])
})
