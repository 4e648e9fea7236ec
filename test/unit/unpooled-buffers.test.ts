import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferJSON } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { unpoolBuffers } from '../../src/whatsapp/unpooled-buffers.js'

/** Every byte array in a parsed value, in the order unpoolBuffers meets them. */
const byteArrays = (node: unknown, found: Uint8Array[] = []): Uint8Array[] => {
  if (node instanceof Uint8Array) found.push(node)
  else if (node !== null && typeof node === 'object') for (const child of Object.values(node)) byteArrays(child, found)
  return found
}

/** Object keys as credentials have them (Baileys' reviver reads an object whose keys parse as numbers as a byte array). */
const key = fc.stringMatching(/^[a-zA-Z]{1,6}$/)

describe('unpoolBuffers', () => {
  it('keeps the value as parsed while every buffer moves into one ArrayBuffer outside Node\'s pool', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 5 }), (original) => {
        const text = JSON.stringify(original, BufferJSON.replacer)
        const parsed = JSON.parse(text, BufferJSON.reviver) as unknown
        const moved = unpoolBuffers(parsed)
        assert.equal(moved, parsed)
        // same content: serialising gives the same text, buffers included
        assert.equal(JSON.stringify(moved, BufferJSON.replacer), text)
        const buffers = byteArrays(moved)
        assert.ok(buffers.every((bytes) => Buffer.isBuffer(bytes)))
        const blocks = new Set(buffers.map((bytes) => bytes.buffer))
        assert.ok(blocks.size <= 1)
        const total = buffers.reduce((sum, bytes) => sum + bytes.byteLength, 0)
        // exactly their bytes: not a pool block (8 KB, shared with whatever else was allocated)
        for (const block of blocks) assert.equal(block.byteLength, total)
      }),
      { numRuns: 200 },
    )
  })

  it('takes the keys of parsed credentials out of the pool block they were decoded into', () => {
    const creds = { noiseKey: { private: Buffer.alloc(32, 1), public: Buffer.alloc(32, 2) }, registrationId: 7, me: { id: '1@s.whatsapp.net' } }
    const parsed = JSON.parse(JSON.stringify(creds, BufferJSON.replacer), BufferJSON.reviver) as typeof creds
    assert.equal(parsed.noiseKey.private.buffer.byteLength, Buffer.poolSize, 'parsed from base64 into a pool block')
    unpoolBuffers(parsed)
    assert.equal(parsed.noiseKey.private.buffer.byteLength, 64)
    assert.deepEqual(parsed.noiseKey.private, Buffer.alloc(32, 1))
    assert.deepEqual(parsed.noiseKey.public, Buffer.alloc(32, 2))
    assert.equal(parsed.registrationId, 7)
  })

  it('gives a byte array of its own for a value that is one (an identity key), and leaves values without any as they are', () => {
    const identity = JSON.parse(JSON.stringify(Buffer.alloc(33, 5), BufferJSON.replacer), BufferJSON.reviver) as Buffer
    assert.equal(identity.buffer.byteLength, Buffer.poolSize)
    const moved = unpoolBuffers(identity)
    assert.ok(Buffer.isBuffer(moved))
    assert.equal(moved.buffer.byteLength, 33)
    assert.deepEqual(moved, Buffer.alloc(33, 5))
    const plain = { deviceList: ['1', '2'], timestamp: 3 }
    assert.deepEqual(unpoolBuffers(plain), { deviceList: ['1', '2'], timestamp: 3 })
  })
})
