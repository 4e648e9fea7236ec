import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeMessage, encodeMessage } from '../../src/messaging/message-codec.js'
import type { OutgoingMessage } from '../../src/messaging/outgoing-content.js'

const noMedia = async (): Promise<Buffer | undefined> => assert.fail('a message without media must not read media')

describe('message codec (how the outbox stores a message)', () => {
  it('round-trips a text without reading media', async () => {
    const message = { content: { type: 'text', text: 'hello' } } as OutgoingMessage
    const { json, media } = encodeMessage(message)
    assert.equal(media, null)
    assert.deepEqual(await decodeMessage(json, noMedia), message)
  })

  it('stores media bytes beside the JSON and puts them back on decode', async () => {
    const data = Buffer.from('image bytes')
    const message = { content: { type: 'image', media: { data, mimetype: 'image/png' }, caption: 'a picture' } } as unknown as OutgoingMessage
    const { json, media } = encodeMessage(message)
    assert.deepEqual(media, data)
    assert.ok(!json.includes(data.toString('base64')), 'the bytes are not in the JSON')
    let reads = 0
    const decoded = await decodeMessage(json, async () => (reads++, data))
    assert.equal(reads, 1)
    assert.deepEqual(decoded, message)
  })

  it('stores a forwarded message\'s encoding beside the JSON; one kept as text reads nothing', async () => {
    const data = Buffer.from([8, 1, 2, 3])
    const message: OutgoingMessage = {
      content: { type: 'forward', original: { messageId: 'M1', kind: 'image', text: 'caption', encoded: { format: 'web-message', data } } },
    }
    const { json, media } = encodeMessage(message)
    assert.deepEqual(media, data)
    assert.ok(!json.includes('"data"'), 'the bytes are not in the JSON')
    assert.deepEqual(await decodeMessage(json, async () => data), message)

    const text: OutgoingMessage = { content: { type: 'forward', original: { messageId: 'M2', kind: 'text', text: 'hi', encoded: null } } }
    const stored = encodeMessage(text)
    assert.equal(stored.media, null)
    assert.deepEqual(await decodeMessage(stored.json, noMedia), text)
  })

  it('refuses to rebuild a media message whose bytes are gone', async () => {
    const { json } = encodeMessage({ content: { type: 'image', media: { data: Buffer.from('x'), mimetype: 'image/png' } } } as unknown as OutgoingMessage)
    await assert.rejects(decodeMessage(json, async () => undefined), /no longer stored/)
  })
})
