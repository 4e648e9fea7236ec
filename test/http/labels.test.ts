import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startInProcessServer } from '../support/in-process-server.js'

const NEW_CUSTOMER = { id: '1', name: 'New customer', color: 1, predefinedId: '1' }
const PAID = { id: '4', name: 'Paid', color: 7, predefinedId: null }

describe('labels the phone made before this server heard of them', async () => {
  const { server, connector, adminHeaders } = await startInProcessServer()
  const { app } = server
  await server.resume()
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => app.inject({ method, url, headers: adminHeaders, ...(payload ? { payload } : {}) })
  await call('POST', '/api/sessions', { deviceId: 'desk' })
  const first = connector.latest('desk')
  // A session linked before labels were kept here: its phone has labels the database does not.
  first.phoneLabels = [NEW_CUSTOMER, PAID]
  first.emitOpen()

  it('fetches them whole before handing out an id, so a new label never overwrites one made on the phone', async () => {
    const created = await call('POST', '/api/sessions/desk/labels', { name: 'VIP', color: 3 })
    assert.equal(created.statusCode, 201, created.body)
    assert.equal(created.json().label.id, '5', 'after the phone\'s highest id')
    assert.deepEqual(first.labelCalls, [['save', { id: '5', name: 'VIP', color: 3, predefinedId: null }]])
    assert.deepEqual((await call('GET', '/api/sessions/desk/labels')).json().labels.map((label: { name: string }) => label.name), ['New customer', 'Paid', 'VIP'])
    assert.equal((await call('POST', '/api/sessions/desk/labels', { name: 'paid' })).statusCode, 409, 'a phone label\'s name is taken')
  })

  it('forgets the labels of an account no longer linked and fetches the new account\'s on the next read', async () => {
    first.emitClose(500)
    await call('POST', '/api/sessions/desk/restart')
    const second = connector.latest('desk')
    assert.notEqual(second, first)
    second.phoneLabels = [{ id: '2', name: 'Wholesale', color: 5, predefinedId: null }]
    second.emitOpen({ jid: '15550002222:3@s.whatsapp.net', phoneNumber: '15550002222', pushName: 'Ben' })
    const listed = await call('GET', '/api/sessions/desk/labels')
    assert.deepEqual(listed.json().labels.map((label: { id: string; name: string }) => [label.id, label.name]), [['2', 'Wholesale']])
  })
})
