import assert from 'node:assert/strict'
import { test } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import { startSimulator } from '../index.js'
import { connectClient } from './client.js'

test('ackOnly acks and receipts sends without decrypting or recording them', async () => {
  const sim = await startSimulator({ ackOnly: true })
  const { creds } = sim.provision()
  const client = connectClient(sim, { creds })
  await client.next('connection.update', u => u.connection === 'open')
  const sent = await client.sock.sendMessage('15559990000@s.whatsapp.net', { text: 'bench' })
  await client.status(sent!.key.id!, proto.WebMessageInfo.Status.DELIVERY_ACK)
  assert.equal(sim.received().length, 0)
  await client.end()
  await sim.close()
})
