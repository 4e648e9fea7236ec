import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeEventBuffer, type BaileysEventMap, type WAMessage } from '@whiskeysockets/baileys'
import { pino } from 'pino'

type Emitted = Array<[keyof BaileysEventMap, unknown]>

/** Baileys' event buffer, with every event it lets out recorded in order. */
function recordedBuffer(): { ev: ReturnType<typeof makeEventBuffer>; emitted: Emitted } {
  const ev = makeEventBuffer(pino({ level: 'silent' }))
  const emitted: Emitted = []
  for (const name of ['chats.upsert', 'chats.update', 'messages.upsert'] as const) {
    ev.on(name, (data: unknown) => void emitted.push([name, data]))
  }
  return { ev, emitted }
}

const message = (id: string): WAMessage => ({ key: { remoteJid: '15550001111@s.whatsapp.net', id, fromMe: false }, message: { conversation: id } })

// The buffer's data is made at the first buffered event (a patch); these pin down that nothing else changed.
describe("Baileys' event buffer", () => {
  it('lets events through at once while not buffering', () => {
    const { ev, emitted } = recordedBuffer()
    ev.emit('messages.upsert', { messages: [message('a')], type: 'notify' })
    ev.emit('chats.upsert', [{ id: 'x@s.whatsapp.net' }])
    assert.deepEqual(emitted.map(([name]) => name), ['messages.upsert', 'chats.upsert'])
  })

  it('holds what is buffered until the flush, then lets it out consolidated; a flush with nothing buffered lets out nothing', () => {
    const { ev, emitted } = recordedBuffer()
    ev.buffer()
    assert.equal(ev.flush(), true)
    assert.equal(ev.flush(), false, 'nothing is buffering any more')
    assert.deepEqual(emitted, [])

    ev.buffer()
    ev.emit('messages.upsert', { messages: [message('a')], type: 'notify' })
    ev.emit('messages.upsert', { messages: [message('b')], type: 'notify' })
    ev.emit('chats.upsert', [{ id: 'x@s.whatsapp.net' }])
    assert.deepEqual(emitted, [])
    assert.equal(ev.flush(), true)
    assert.deepEqual(emitted, [
      ['chats.upsert', [{ id: 'x@s.whatsapp.net' }]],
      ['messages.upsert', { messages: [message('a'), message('b')], type: 'notify' }],
    ])
  })

  it('keeps a chat update whose condition is undecided for a later round, where the chat it waited for absorbs it', () => {
    const { ev, emitted } = recordedBuffer()
    const chat = 'x@s.whatsapp.net'
    ev.buffer()
    ev.emit('chats.update', [{ id: chat, unreadCount: 2, conditional: (data) => (data.chatUpserts[chat] ? true : undefined) }])
    ev.flush()
    assert.deepEqual(emitted, [], 'an undecided update waits')

    ev.buffer()
    ev.emit('chats.upsert', [{ id: chat, name: 'Shop' }])
    ev.flush()
    assert.deepEqual(emitted, [['chats.upsert', [{ id: chat, name: 'Shop', unreadCount: 2 }]]])
  })

  it('lets buffered messages out at once, with their own type, when messages of another type come', () => {
    const { ev, emitted } = recordedBuffer()
    ev.buffer()
    ev.emit('messages.upsert', { messages: [message('old')], type: 'append' })
    ev.emit('messages.upsert', { messages: [message('new')], type: 'notify' })
    assert.deepEqual(emitted, [['messages.upsert', { messages: [message('old')], type: 'append' }]])
    ev.flush()
    assert.deepEqual(emitted.slice(1), [['messages.upsert', { messages: [message('new')], type: 'notify' }]])
  })
})
