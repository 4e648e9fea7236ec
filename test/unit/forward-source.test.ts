import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { forwardSource } from '../../src/messaging/forward-source.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../support/temp-dir.js'

describe('what can be forwarded', async () => {
  const store = openSqliteStore(tempDir())
  after(() => store.close())
  await store.sessions.create('dev', 'running')
  const stored = (id: string, type: string, payload: object, raw: Uint8Array | null) =>
    store.inbound.insert({ deviceId: 'dev', id, chat: 'c', type, payload: JSON.stringify({ id, type, text: null, ...payload }), timestamp: 1 }, raw)
  const find = forwardSource(store.inbound, store.messages)

  it('a text by its words, media with their stored encoding', async () => {
    await stored('T', 'text', { text: 'hello' }, null)
    await stored('P', 'image', { text: 'caption', media: {} }, new Uint8Array([1, 2]))
    assert.deepEqual(await find('dev', 'T'), { messageId: 'T', kind: 'text', text: 'hello', encoded: null })
    assert.deepEqual(await find('dev', 'P'), { messageId: 'P', kind: 'image', text: 'caption', encoded: { format: 'web-message', data: Buffer.from([1, 2]) } })
  })

  it('refuses what cannot be rebuilt, and what another session holds', async () => {
    await stored('L', 'location', { location: { latitude: 1, longitude: 2 } }, null)
    await assert.rejects(find('dev', 'L'), (error: { kind: string; message: string }) => error.kind === 'invalid_input' && /location/.test(error.message))
    await assert.rejects(find('other', 'T'), (error: { kind: string }) => error.kind === 'not_found')
    await assert.rejects(find('dev', 'missing'), (error: { kind: string }) => error.kind === 'not_found')
  })
})
