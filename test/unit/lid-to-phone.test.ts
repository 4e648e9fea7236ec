import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { InboundMessage } from '../../src/messaging/inbound-message.js'
import type { HistoryBatch } from '../../src/sessions/whatsapp-port.js'
import { chatEventsByPhone, historyByPhone } from '../../src/whatsapp/lid-to-phone.js'

const KNOWN = '111111111111111@lid'
const UNKNOWN = '222222222222222@lid'
const resolve = async (lid: string) => (lid === KNOWN ? '15551110000:0@s.whatsapp.net' : null)

describe('LID-named chats and people turned into phone numbers where WhatsApp revealed them', () => {
  it('renames chats, 1:1 messages and group senders; unknown LIDs and groups stay', async () => {
    const message = (chat: string, senderJid: string) => ({
      message: { id: chat, chat, isGroup: chat.endsWith('@g.us'), fromMe: false, sender: { jid: senderJid, phoneNumber: null, lid: null, pushName: null } } as unknown as InboundMessage,
      raw: new Uint8Array(),
      status: null,
    })
    const batch: HistoryBatch = {
      kind: 'recent', contacts: [], progress: null,
      chats: [KNOWN, UNKNOWN, '1203@g.us'].map((jid) => ({ jid, name: null, archived: false, pinnedAt: 0, mutedUntil: 0, unreadCount: 0, lastActivity: 0 })),
      messages: [message(KNOWN, KNOWN), message(UNKNOWN, UNKNOWN), message('1203@g.us', KNOWN)],
    }
    const renamed = await historyByPhone(batch, resolve)
    assert.deepEqual(renamed.chats.map((chat) => chat.jid), ['15551110000@s.whatsapp.net', UNKNOWN, '1203@g.us'])
    assert.deepEqual(renamed.messages.map(({ message: m }) => [m.chat, m.sender.jid, m.sender.phoneNumber, m.sender.lid]), [
      ['15551110000@s.whatsapp.net', '15551110000@s.whatsapp.net', '15551110000', KNOWN],
      [UNKNOWN, UNKNOWN, null, null],
      ['1203@g.us', '15551110000@s.whatsapp.net', '15551110000', KNOWN],
    ])
  })

  it('renames chat events, and a failing look-up leaves the LID', async () => {
    const events = await chatEventsByPhone([{ kind: 'chat-deleted', jid: KNOWN }, { kind: 'chat-deleted', jid: UNKNOWN }], resolve)
    assert.deepEqual(events.map((event) => event.jid), ['15551110000@s.whatsapp.net', UNKNOWN])
    assert.deepEqual(await chatEventsByPhone([{ kind: 'chat-deleted', jid: KNOWN }], async () => { throw new Error('store down') }), [{ kind: 'chat-deleted', jid: KNOWN }])
  })
})
