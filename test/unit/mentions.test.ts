import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withMentions } from '../../src/messaging/mentions.js'

describe('@mentions', () => {
  it('keeps a mention the text already writes and appends the ones it does not', () => {
    const { content, mentions } = withMentions({ type: 'text', text: 'Hi @15550000001, please check' }, ['+1 555 000 0001', '15550000002@s.whatsapp.net', '15550000001'])
    assert.deepEqual(content, { type: 'text', text: 'Hi @15550000001, please check @15550000002' })
    assert.deepEqual(mentions, ['15550000001@s.whatsapp.net', '15550000002@s.whatsapp.net'])
  })

  it('does not take a longer number in the text for the one mentioned', () => {
    const { content } = withMentions({ type: 'text', text: '@155500000012' }, ['15550000001'])
    assert.deepEqual(content, { type: 'text', text: '@155500000012 @15550000001' })
  })

  it('writes mentions into a caption, or makes one', () => {
    const media = { data: Buffer.from('x'), mimetype: 'image/jpeg' }
    assert.deepEqual(withMentions({ type: 'image', media }, ['15550000001']).content, { type: 'image', media, caption: '@15550000001' })
    assert.deepEqual(withMentions({ type: 'image', media }, []).content, { type: 'image', media })
  })

  it('refuses content without text, groups as people, and too many names', () => {
    assert.throws(() => withMentions({ type: 'location', latitude: 1, longitude: 2 }, ['15550000001']), /text message or a captioned/)
    assert.throws(() => withMentions({ type: 'text', text: 'x' }, ['120363000000000001@g.us']), /is a group/)
    assert.throws(() => withMentions({ type: 'text', text: 'x' }, Array.from({ length: 1025 }, (_, i) => String(15550000000 + i))), /at most 1024/)
  })
})
