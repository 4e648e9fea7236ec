import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { proto } from '@whiskeysockets/baileys'
import { contactCard, toBaileysContent } from '../../src/whatsapp/baileys-content.js'

const chat = '15550002222@s.whatsapp.net'
const media = { data: Buffer.from('x'), mimetype: 'image/png' }

describe('toBaileysContent', () => {
  it('sends no link preview unless one was built', () => {
    assert.deepEqual(toBaileysContent(chat, { type: 'text', text: 'hi' }), { text: 'hi', linkPreview: null })
  })
  it('sends the preview that was built', () => {
    const preview = { url: 'https://example.com/', matchedText: 'https://example.com', title: 'Example', description: 'An example' }
    assert.deepEqual(toBaileysContent(chat, { type: 'text', text: 'see https://example.com', preview }), {
      text: 'see https://example.com',
      linkPreview: { 'canonical-url': 'https://example.com/', 'matched-text': 'https://example.com', title: 'Example', description: 'An example' },
    })
  })
  it('maps media with their options', () => {
    assert.deepEqual(toBaileysContent(chat, { type: 'audio', media: { ...media, mimetype: 'audio/ogg' }, voice: true }),
      { audio: media.data, mimetype: 'audio/ogg', ptt: true })
    assert.deepEqual(toBaileysContent(chat, { type: 'document', media: { ...media, mimetype: 'application/pdf' } }),
      { document: media.data, mimetype: 'application/pdf', fileName: 'document', caption: undefined })
  })
  it('points reactions, edits and deletes at the right message key', () => {
    const target = { id: 'ABC', fromMe: true }
    assert.deepEqual(toBaileysContent(chat, { type: 'reaction', target, emoji: '👍' }),
      { react: { text: '👍', key: { remoteJid: chat, fromMe: true, id: 'ABC' } } })
    assert.deepEqual(toBaileysContent(chat, { type: 'edit', target, text: 'new' }),
      { text: 'new', edit: { remoteJid: chat, fromMe: true, id: 'ABC' } })
    assert.deepEqual(toBaileysContent('1203630@g.us', { type: 'delete', target: { id: 'X', fromMe: false, participant: '1555@s.whatsapp.net' } }),
      { delete: { remoteJid: '1203630@g.us', fromMe: false, id: 'X', participant: '1555@s.whatsapp.net' } })
  })
  it('forwards a group photo without the sender key it came with, so the forwarded mark lands on the photo', () => {
    const received = proto.WebMessageInfo.encode({
      key: { remoteJid: '1203630@g.us', id: 'G1', participant: '1555@s.whatsapp.net' },
      message: { senderKeyDistributionMessage: { groupId: '1203630@g.us', axolotlSenderKeyDistributionMessage: Buffer.from([1]) }, imageMessage: { url: 'https://x/y', caption: 'c' } },
    }).finish()
    const content = toBaileysContent(chat, { type: 'forward', original: { messageId: 'G1', kind: 'image', text: 'c', encoded: { format: 'web-message', data: Buffer.from(received) } } })
    const forwarded = (content as { forward: { message: proto.IMessage } }).forward.message
    assert.deepEqual(Object.keys(forwarded), ['imageMessage'])
    const text = toBaileysContent(chat, { type: 'forward', original: { messageId: 'T1', kind: 'text', text: 'hi', encoded: null } })
    assert.deepEqual((text as { forward: { message: proto.IMessage } }).forward.message, { conversation: 'hi' })
  })
  it('maps locations and polls', () => {
    assert.deepEqual(toBaileysContent(chat, { type: 'location', latitude: 1.5, longitude: -2, name: 'Here' }),
      { location: { degreesLatitude: 1.5, degreesLongitude: -2, name: 'Here', address: undefined } })
    assert.deepEqual(toBaileysContent(chat, { type: 'poll', name: 'Q', options: ['a', 'b'], selectableCount: 1 }),
      { poll: { name: 'Q', values: ['a', 'b'], selectableCount: 1 } })
  })
  it('builds vCards that cannot be broken by the name', () => {
    const card = contactCard('Evil\nTEL:+666;x,y', '+1 (555) 000-1111')
    assert.equal(card.vcard, 'BEGIN:VCARD\nVERSION:3.0\nFN:Evil TEL:+666\\;x\\,y\nTEL;type=CELL;waid=15550001111:+15550001111\nEND:VCARD')
  })
})
