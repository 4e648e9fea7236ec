import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { receivedOrDeviceSent, sentThroughApi } from '../../src/messaging/chat-message.js'
import { encodeMessage } from '../../src/messaging/message-codec.js'
import type { OutgoingMessage } from '../../src/messaging/outgoing-content.js'
import type { MessageRecord } from '../../src/store/ports.js'

const account = { jid: '15550001111@s.whatsapp.net', phoneNumber: '15550001111', lid: null, pushName: 'Shop' }
const sent = (message: OutgoingMessage, recipient = '15550002222@s.whatsapp.net'): MessageRecord => ({
  id: 'M1', deviceId: 'shop', recipient, type: message.content.type, content: encodeMessage(message).json,
  status: 'delivered', error: null, idempotencyKey: null, createdAt: 1_000, updatedAt: 2_000,
})

describe('chat messages: both sides in one shape', () => {
  it('shows an API send as the account\'s message, with its status and what it carried', () => {
    const text = sentThroughApi(sent({ content: { type: 'text', text: 'hi' }, replyTo: { id: 'Q1', fromMe: false } }), account)
    assert.deepEqual({ ...text, sender: undefined }, {
      id: 'M1', chat: '15550002222@s.whatsapp.net', isGroup: false, isChannel: false, fromMe: true, sender: undefined, timestamp: 1_000,
      sentBy: 'api', status: 'delivered', readAt: null, type: 'text', text: 'hi', media: null, location: null, contacts: null,
      target: null, poll: null, quoted: { id: 'Q1', participant: null, text: null },
    })
    assert.deepEqual(text.sender, account)

    const voice = sentThroughApi(sent({ content: { type: 'audio', media: { data: Buffer.from('ogg'), mimetype: 'audio/ogg' }, voice: true } }), account)
    assert.deepEqual(voice.media, { mimetype: 'audio/ogg', fileName: null, size: null, seconds: null, voice: true })
    const document = sentThroughApi(sent({ content: { type: 'document', media: { data: Buffer.from('%PDF'), mimetype: 'application/pdf', fileName: 'r.pdf' }, caption: 'Q3' } }), account)
    assert.equal(document.text, 'Q3')
    assert.equal(document.media?.fileName, 'r.pdf')
    const revoke = sentThroughApi(sent({ content: { type: 'delete', target: { id: 'T1', fromMe: true } } }, '120363000000000001@g.us'), account)
    assert.equal(revoke.type, 'revoke')
    assert.equal(revoke.isGroup, true)
    assert.deepEqual(revoke.target, { id: 'T1' })
    assert.deepEqual(sentThroughApi(sent({ content: { type: 'reaction', target: { id: 'T2', fromMe: false }, emoji: '👍' } }), account).target, { id: 'T2', emoji: '👍' })
  })

  it('marks what the phone sent as sent by a device, and reads messages stored before fromMe existed as received', () => {
    const record = { deviceId: 'shop', id: 'I1', chat: 'c', type: 'text', timestamp: 5, readAt: null }
    const old = receivedOrDeviceSent({ ...record, payload: JSON.stringify({ id: 'I1', text: 'old' }), fromMe: false, status: null })
    assert.equal(old.fromMe, false)
    assert.equal(old.sentBy, null)
    const phone = receivedOrDeviceSent({ ...record, payload: JSON.stringify({ id: 'I1', fromMe: true }), fromMe: true, status: 'read' })
    assert.equal(phone.sentBy, 'device')
    assert.equal(phone.status, 'read')
  })
})
