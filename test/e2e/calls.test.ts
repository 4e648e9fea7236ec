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

  before(async () => {
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
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
})
