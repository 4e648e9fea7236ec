import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateMessageID } from '@whiskeysockets/baileys'
import { newMessageId } from '../../src/whatsapp/message-ids.js'

describe('newMessageId', () => {
  it("has Baileys' shape and never repeats, across many pool refills", () => {
    const shape = /^3EB0[0-9A-F]{36}$/
    assert.match(generateMessageID(), shape, 'the shape is the one Baileys uses')
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const id = newMessageId()
      assert.match(id, shape)
      seen.add(id)
    }
    assert.equal(seen.size, 10_000)
  })
})
