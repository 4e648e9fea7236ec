import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys'
import { SINGLE_BYTE_TOKENS, TOKEN_MAP } from '@whiskeysockets/baileys/lib/WABinary/constants.js'
import fc from 'fast-check'
import { encodeBinaryNodeLean } from '../../src/whatsapp/binary-node-encoder.js'

const outcome = (encode: (node: BinaryNode) => Buffer, node: BinaryNode): string => {
  try {
    return `ok ${encode(node).toString('hex')}`
  } catch (error) {
    return `throws ${(error as Error).message}`
  }
}

const tokens = Object.keys(TOKEN_MAP)
/** Every kind of string the encoder tells apart: tokens, nibbles, hex, JIDs of each form, raw text. */
const anyString = fc.oneof(
  fc.constantFrom(...tokens),
  fc.constantFrom(...SINGLE_BYTE_TOKENS.slice(0, 40)),
  fc.stringMatching(/^[0-9.-]{0,130}$/),
  fc.stringMatching(/^[0-9A-Fa-f]{1,130}$/),
  fc.tuple(fc.stringMatching(/^[0-9]{0,15}$/), fc.constantFrom('s.whatsapp.net', 'lid', 'g.us', 'broadcast', 'newsletter', 'hosted', 'c.us', 'x@y')).map(([user, server]) => `${user}@${server}`),
  fc.tuple(fc.stringMatching(/^[0-9]{1,15}$/), fc.constantFrom('', '_1', '_x'), fc.constantFrom(':0', ':7', ':99', ':x', ''), fc.constantFrom('s.whatsapp.net', 'lid', 'hosted', 'hosted.lid')).map(([user, agent, device, server]) => `${user}${agent}${device}@${server}`),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 250, maxLength: 300 }),
  fc.constantFrom('', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
)

const attrValue = fc.oneof({ weight: 8, arbitrary: anyString }, { weight: 1, arbitrary: fc.constantFrom(undefined, null) })
const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 250, maxLength: 70_000 }).map((array) => Buffer.from(array)))

const node: fc.Arbitrary<BinaryNode> = fc.letrec<{ node: BinaryNode }>((tie) => ({
  node: fc.record(
    {
      tag: anyString.filter((tag) => tag !== ''),
      attrs: fc.dictionary(anyString, attrValue, { maxKeys: 6 }) as fc.Arbitrary<BinaryNode['attrs']>,
      content: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant(undefined),
        anyString,
        bytes,
        fc.array(fc.oneof({ weight: 6, arbitrary: tie('node') }, { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, false) }), { maxLength: 4 }),
      ),
    },
    { requiredKeys: ['tag', 'attrs'] },
  ) as fc.Arbitrary<BinaryNode>,
})).node

describe('the lean binary node encoder', () => {
  it('gives the bytes Baileys gives, for any node', () => {
    fc.assert(
      fc.property(node, (value) => {
        assert.equal(outcome(encodeBinaryNodeLean, value), outcome(encodeBinaryNode, value))
      }),
      { numRuns: 2000 },
    )
  })

  it('answers malformed nodes as Baileys does, and encodes well afterwards', () => {
    const malformed = [
      { tag: '', attrs: {} },
      { tag: 5, attrs: {} },
      { tag: 'iq', attrs: 'xy' },
      { tag: 'iq', attrs: { count: 3, type: 'get' } },
      { tag: 'iq', attrs: {}, content: null },
      { tag: 'iq', attrs: {}, content: 12 },
      { tag: 'iq', attrs: {}, content: [Buffer.of(1, 2)] },
      { tag: 'iq', attrs: {}, content: ['text'] },
      { tag: 'iq', attrs: {}, content: [{ tag: 'x', attrs: {}, content: { a: 1 } }] },
      { tag: 'iq', attrs: {}, content: [{ tag: 7, attrs: {} }] },
    ] as unknown as BinaryNode[]
    for (const value of malformed) assert.equal(outcome(encodeBinaryNodeLean, value), outcome(encodeBinaryNode, value), JSON.stringify(value))
    const wellFormed: BinaryNode = { tag: 'message', attrs: { to: '15550001111@s.whatsapp.net', id: '3EB0ABCDEF', type: 'text' }, content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: Buffer.alloc(200, 7) }] }
    assert.deepEqual(encodeBinaryNodeLean(wellFormed), encodeBinaryNode(wellFormed))
  })

  it('gives each stanza a buffer of its own, small or larger than its scratch space (media of over a megabyte)', () => {
    const small: BinaryNode = { tag: 'ack', attrs: { id: 'A1', class: 'receipt' } }
    const first = encodeBinaryNodeLean(small)
    // Lengths of 20 bits, at their top, and of 32 bits.
    for (const size of [600_000, 1_100_000]) {
      const large: BinaryNode = { tag: 'iq', attrs: {}, content: Buffer.alloc(size, 9) }
      assert.deepEqual(encodeBinaryNodeLean(large), encodeBinaryNode(large))
    }
    encodeBinaryNodeLean({ tag: 'ack', attrs: { id: 'B2', class: 'message' } })
    // Still its own bytes after the encodes that followed: not a view of the reused space.
    assert.deepEqual(first, encodeBinaryNode(small))
  })
})
