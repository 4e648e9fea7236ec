import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HistoryUnread, historyRecords } from '../../src/messaging/history-recorder.js'
import type { InboundMessage } from '../../src/messaging/inbound-message.js'
import type { HistoryBatch, HistoryChat } from '../../src/sessions/whatsapp-port.js'

const chat = (jid: string, unreadCount: number): HistoryChat => ({ jid, name: null, archived: false, pinnedAt: 0, mutedUntil: 0, unreadCount, lastActivity: 0 })
const message = (id: string, chatJid: string, timestamp: number, fromMe = false) => ({
  message: { id, chat: chatJid, timestamp, fromMe, type: 'text', text: id, media: null } as unknown as InboundMessage,
  raw: null,
  status: fromMe ? ('read' as const) : null,
})
const batch = (chats: HistoryChat[], messages: ReturnType<typeof message>[]): HistoryBatch =>
  ({ kind: 'recent', chats, contacts: [], messages, progress: null })

describe('history unread state (the newest unreadCount received messages of each chat)', () => {
  it('keeps a chat\'s count across chunks that leave the chat out, newest first', () => {
    const unread = new HistoryUnread()
    assert.deepEqual([...unread.take(batch([chat('a', 2), chat('b', 0)], [message('a4', 'a', 400), message('b1', 'b', 100)]))], ['a4'])
    // The recent chunk: chat "a" already sent, so absent; its own message a3 is the second newest.
    const recent = unread.take(batch([], [message('a4', 'a', 400), message('a3', 'a', 300), message('me', 'a', 350, true), message('a2', 'a', 200)]))
    assert.deepEqual([...recent].sort(), ['a3', 'a4'])
    // An older (full) chunk displaces nothing.
    assert.deepEqual([...unread.take(batch([], [message('a1', 'a', 100)]))].sort(), ['a3', 'a4'])
  })

  it('stores unread ones with no read time, the rest read at arrival, own ones with their status and never unread', () => {
    const records = historyRecords('dev', batch([], [message('x', 'a', 1), message('y', 'a', 2), message('me', 'a', 3, true)]), new Set(['y']), 99)
    assert.deepEqual(records.map(({ record, raw }) => [record.id, record.readAt, record.fromMe, record.status, raw]), [
      ['x', 99, false, null, null],
      ['y', null, false, null, null],
      ['me', null, true, 'read', null],
    ])
  })
})
