import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { encodeBinaryNodeLean } from '../../src/whatsapp/binary-node-encoder.js'
import { binaryNode } from '../support/binary-nodes.js'

const outcome = (encode: (node: BinaryNode) => Buffer, node: BinaryNode): string => {
  try {
    return `ok ${encode(node).toString('hex')}`
  } catch (error) {
    return `throws ${(error as Error).message}`
  }
}

describe('the lean binary node encoder', () => {
  it('gives the bytes Baileys gives, for any node', () => {
    fc.assert(
      fc.property(binaryNode, (value) => {
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
