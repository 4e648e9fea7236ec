import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Simulator } from '../index.js'
import { simWithLinkedClient, type TestClient } from './client.js'

const NOBODY = '15550000404'
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => ({ sim, client, phoneNumber, close } = await simWithLinkedClient({ notOnWhatsApp: [NOBODY] })))
after(() => close())

test('onWhatsApp: any number exists except those listed as not on WhatsApp', async () => {
  const results = await client.sock.onWhatsApp('+15551234567@s.whatsapp.net', `${NOBODY}@s.whatsapp.net`)
  // Baileys drops users answered with <contact type="out"/>, so a non-user is simply absent
  assert.deepEqual(results, [{ jid: '15551234567@s.whatsapp.net', exists: true }])
})

test('onWhatsApp: the set can change at runtime, and paired accounts always exist', async () => {
  sim.notOnWhatsApp.add('15551234567')
  sim.notOnWhatsApp.add(phoneNumber)
  try {
    const results = await client.sock.onWhatsApp('15551234567', phoneNumber)
    assert.deepEqual(results, [{ jid: `${phoneNumber}@s.whatsapp.net`, exists: true }])
  } finally {
    sim.notOnWhatsApp.clear()
  }
})
