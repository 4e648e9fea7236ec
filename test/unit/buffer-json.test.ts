import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferJSON, initAuthCreds } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { fromBufferJson, toBufferJson } from '../../src/whatsapp/buffer-json.js'

const viaReviver = (text: string): unknown => JSON.parse(text, BufferJSON.reviver)

/** JSON values with what the reviver turns into bytes: Buffer objects, and objects of numbers under numeric keys. */
const bytes = fc.uint8Array({ maxLength: 40 })
const revivable = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    bytes.map((b) => ({ type: 'Buffer', data: Buffer.from(b).toString('base64') })),
    fc.dictionary(fc.nat(300).map(String), fc.integer({ min: 0, max: 255 }), { minKeys: 1, maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('type', 'data', '__proto__', '0', '1')), tie('value'), { maxKeys: 4 }),
  ),
})).value

describe('fromBufferJson', () => {
  it('gives what JSON.parse gives with Baileys’ reviver, for any JSON', () => {
    fc.assert(
      fc.property(revivable, (value) => {
        const text = JSON.stringify(value)
        assert.deepStrictEqual(fromBufferJson(text), viaReviver(text))
      }),
      { numRuns: 500 },
    )
  })

  it('reads back what toBufferJson wrote: credentials, byte arrays and nested keys', () => {
    const creds = initAuthCreds()
    const text = toBufferJson(creds)
    const parsed = fromBufferJson<typeof creds>(text)
    assert.deepStrictEqual(parsed, viaReviver(text))
    assert.ok(Buffer.isBuffer(parsed.noiseKey.private))
    assert.deepEqual(parsed.noiseKey.private, creds.noiseKey.private)
    assert.deepEqual(fromBufferJson(toBufferJson(Buffer.from([1, 2, 3]))), Buffer.from([1, 2, 3]))
  })

  it('keeps an own "__proto__" key a key, as JSON.parse does', () => {
    const text = '{"__proto__":{"type":"Buffer","data":"AAE="},"x":{"__proto__":{"0":7}}}'
    const parsed = fromBufferJson<Record<string, unknown>>(text)
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype)
    assert.ok(Object.hasOwn(parsed, '__proto__'))
    assert.deepStrictEqual(parsed, viaReviver(text))
  })
})
