import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { BinaryNode } from '@whiskeysockets/baileys'
import { eventually, simWithLinkedClient, type TestClient } from './client.js'

// The patched socket builds a received frame's `CB:` and `TAG:` names only where some listener could
// hold them (an index of the listened names, kept by listener hooks). Listeners that come and go
// after the socket is open must be heard exactly as Baileys as shipped hears them.

let client: TestClient
let close: () => Promise<void>
before(async () => {
  ;({ client, close } = await simWithLinkedClient())
})
after(() => close())

const ping = (id: string): BinaryNode => ({ tag: 'iq', attrs: { id, to: 's.whatsapp.net', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] })

test('listeners added after the socket opened hear a query\'s answer, in the order Baileys emits the names', async () => {
  const { ws, generateMessageTag } = client.sock
  // Other answers (the login's own queries) may arrive meanwhile: only this query's id counts.
  const heard: Array<{ name: string; id: string }> = []
  const listeners = ['CB:iq', 'CB:iq,type', 'CB:iq,type:result', 'CB:iq,type:error'].map((name) => {
    const listener = (frame: BinaryNode): void => void heard.push({ name, id: frame.attrs.id! })
    ws.on(name, listener)
    return { name, listener }
  })
  const id = generateMessageTag()
  const answer = await client.sock.query(ping(id))
  assert.equal(answer.attrs.type, 'result')
  assert.deepEqual(heard.filter((entry) => entry.id === id).map((entry) => entry.name), ['CB:iq,type:result', 'CB:iq,type', 'CB:iq'])
  for (const { name, listener } of listeners) ws.off(name, listener)
  heard.length = 0
  await client.sock.query(ping(generateMessageTag()))
  assert.deepEqual(heard, [], 'a removed listener hears nothing')
})

test('a once listener hears one answer, and queries still get theirs after every TAG: listener is gone', async () => {
  const { ws, generateMessageTag } = client.sock
  const heard: string[] = []
  ws.once('CB:iq,type:result', (frame: BinaryNode) => heard.push(frame.attrs.id!))
  await client.sock.query(ping(generateMessageTag()))
  await client.sock.query(ping(generateMessageTag()))
  assert.equal(heard.length, 1)
  assert.equal(ws.listenerCount('CB:iq,type:result'), 0)
  // The login's own queries may still be waiting: once none is, the count of TAG: listeners is back at zero.
  await eventually(() => !ws.eventNames().some((name) => typeof name === 'string' && name.startsWith('TAG:')))
  const answers = await Promise.all([client.sock.query(ping(generateMessageTag())), client.sock.query(ping(generateMessageTag()))])
  assert.deepEqual(answers.map((answer) => answer.attrs.type), ['result', 'result'])
})
