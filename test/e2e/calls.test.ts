import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiClient } from '../support/api-client.js'
import { readEvents } from '../support/event-stream.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'calls-admin-key-0123456789abcdef'
const PHONE = '15550009911'
const CALLER = '15559999911'

describe('calls against the protocol simulator: announced, rejected', async () => {
  const sim = await startSim()
  let server: ServerProcess
  let client: ApiClient
  let admin: ApiClient

  before(async () => {
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = admin.withKey(await createPairedSession(admin, sim, 'desk', PHONE))
  })
  after(() => server.stop())

  it('announces a ringing call as call.received and rejects it on request, once', async () => {
    let callId = ''
    const events = await readEvents(`${server.baseUrl}/api/events?deviceId=desk&types=call.received`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.some((event) => event.type === 'call.received'),
      () => {
        callId = sim.offerCall(PHONE, CALLER, { video: true })
      })
    const call = events.find((event) => event.type === 'call.received')!
    const { at, ...data } = call.data
    assert.deepEqual(data, { callId, from: `${CALLER}@s.whatsapp.net`, isVideo: true, isGroup: false, groupJid: null })
    assert.ok(Math.abs(Date.parse(at) - Date.now()) < 10_000)

    const rejected = await client.post(`/api/sessions/desk/calls/${callId}/reject`)
    assert.deepEqual([rejected.status, rejected.body], [200, { success: true }])
    await waitFor(() => sim.rejectedCalls().some((reject) => reject.callId === callId), { what: 'the reject at the simulator' })
    assert.deepEqual(sim.rejectedCalls().filter((reject) => reject.callId === callId), [{ callId, by: PHONE, creator: `${CALLER}@s.whatsapp.net` }])

    const again = await client.post(`/api/sessions/desk/calls/${callId}/reject`)
    assert.equal(again.status, 404)
    assert.match(again.body.error, /is ringing/)
    assert.equal((await client.post('/api/sessions/desk/calls/not%20an%20id/reject')).status, 400)
  })

  it('rejects every call itself when the session says so, and texts the caller once', async () => {
    const set = await admin.request('PUT', '/api/sessions/desk/settings', { rejectCalls: true, rejectCallMessage: '  Calls are not answered here; please write.  ' })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.deepEqual([set.body.session.rejectCalls, set.body.session.rejectCallMessage], [true, 'Calls are not answered here; please write.'])
    assert.equal((await admin.get('/api/sessions/desk')).body.session.rejectCalls, true)

    const callId = sim.offerCall(PHONE, CALLER, { video: false })
    await waitFor(() => sim.rejectedCalls().some((reject) => reject.callId === callId), { what: 'the automatic reject' })
    const text = await sim.waitForMessage((m) => m.from === PHONE && m.to === `${CALLER}@s.whatsapp.net` && m.text === 'Calls are not answered here; please write.')
    assert.ok(text.id)

    const off = await admin.request('PUT', '/api/sessions/desk/settings', { rejectCalls: false })
    assert.deepEqual([off.body.session.rejectCalls, off.body.session.rejectCallMessage], [false, 'Calls are not answered here; please write.'])
    const ringing = sim.offerCall(PHONE, CALLER, { video: false })
    // 404 until the offer reached the session; 200 then, as nothing rejected it meanwhile
    await waitFor(async () => (await client.post(`/api/sessions/desk/calls/${ringing}/reject`)).status === 200, { what: 'a call left ringing once rejecting is off' })
    assert.equal(sim.rejectedCalls().filter((reject) => reject.callId === ringing).length, 1)

    assert.equal((await admin.request('PUT', '/api/sessions/desk/settings', {})).status, 400)
    assert.equal((await admin.request('PUT', '/api/sessions/desk/settings', { rejectCallMessage: 'x'.repeat(1001) })).status, 400)
  })
})
