import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { proto, type WAMessage } from '@whiskeysockets/baileys'
import { encodedIfMedia, toInboundMessage } from '../../src/whatsapp/inbound-translation.js'

const ME = { jid: '15550000001@s.whatsapp.net', phoneNumber: '15550000001', lid: null, pushName: 'Me' }

const received = (id: string, message: proto.IMessage): WAMessage =>
  ({ key: { id, remoteJid: '15550000002@s.whatsapp.net', fromMe: false }, message, messageTimestamp: 1_700_000_000 }) as WAMessage

describe('the engine encoding kept with a received message', () => {
  it('is WhatsApp\'s own encoding of a message with media, which decodes back to it', () => {
    const message = received('IMG1', { imageMessage: { url: 'https://mmg.whatsapp.net/x', mimetype: 'image/jpeg', mediaKey: new Uint8Array(32).fill(7), caption: 'hi' } })
    const translated = toInboundMessage(message, ME)!
    const raw = encodedIfMedia(translated, message)
    assert.ok(raw, 'an image keeps its encoding')
    const decoded = proto.WebMessageInfo.decode(raw)
    assert.equal(decoded.key?.id, 'IMG1')
    assert.equal(decoded.message?.imageMessage?.caption, 'hi')
    assert.deepEqual(Buffer.from(decoded.message!.imageMessage!.mediaKey!), Buffer.alloc(32, 7))
  })

  it('is none for messages without media (texts, locations, reactions): nothing reads it', () => {
    const messages = [
      received('T1', { conversation: 'hello' }),
      received('T2', { extendedTextMessage: { text: 'a link https://example.com' } }),
      received('L1', { locationMessage: { degreesLatitude: 1, degreesLongitude: 2 } }),
      received('R1', { reactionMessage: { key: { id: 'T1' }, text: '👍' } }),
    ]
    for (const message of messages) {
      const translated = toInboundMessage(message, ME)!
      assert.equal(translated.media, null, message.key.id!)
      assert.equal(encodedIfMedia(translated, message), null, message.key.id!)
    }
  })
})
