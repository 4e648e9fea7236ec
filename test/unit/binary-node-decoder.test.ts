import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys'
import * as constants from '@whiskeysockets/baileys/lib/WABinary/constants.js'
import { decodeDecompressedBinaryNode } from '@whiskeysockets/baileys/lib/WABinary/decode.js'
import fc from 'fast-check'
import { decodeBinaryNodeLean, decodeWellFormedBinaryNode } from '../../src/whatsapp/binary-node-decoder.js'
import { binaryNode } from '../support/binary-nodes.js'

const { TAGS } = constants

type Outcome = { node: BinaryNode } | { error: string }

const outcome = (decode: (frame: Buffer) => BinaryNode, frame: Buffer): Outcome => {
  try {
    return { node: decode(frame) }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

const decodeWithBaileys = (frame: Buffer): BinaryNode => decodeDecompressedBinaryNode(frame, constants)

/** The same node (or the same error) from both decoders, compared deeply: prototypes and buffers included. */
const assertDecodesAsBaileys = (frame: Buffer, label?: string): void => {
  assert.deepStrictEqual(outcome(decodeBinaryNodeLean, frame), outcome(decodeWithBaileys, frame), label)
}

/** Baileys' encoding of a node without its leading flag byte: what the decoders are given. */
const encoded = (node: BinaryNode): Buffer => encodeBinaryNode(node).subarray(1)

/**
 * Baileys reads a four-byte length as a signed number: one with its top bit set moves its cursor
 * backwards, and inside a list of lists that can go on for very long. Random bytes of that form are
 * left to the test below that shows such a length is Baileys' to answer.
 */
const hasSignedLength = (frame: Uint8Array): boolean => {
  for (let i = 0; i + 1 < frame.length; i++) if (frame[i] === TAGS.BINARY_32 && frame[i + 1]! >= 0x80) return true
  return false
}

/** A valid encoding with some bytes changed, or cut short. */
const damaged = fc
  .tuple(binaryNode.map(encoded), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.option(fc.nat()))
  .map(([frame, changes, cut]) => {
    const copy = Buffer.from(frame)
    for (const [at, value] of changes) if (copy.length) copy[at % copy.length] = value
    return cut === null ? copy : copy.subarray(0, cut % (copy.length + 1))
  })

describe('the lean binary node decoder', () => {
  it('gives the node Baileys gives, for any node Baileys encodes', () => {
    fc.assert(
      fc.property(binaryNode, (node) => {
        const frame = encoded(node)
        assertDecodesAsBaileys(frame)
        // What Baileys decodes, the lean reader reads itself (a tag like '__proto__' encodes as an empty one, which neither takes).
        const baileys = outcome(decodeWithBaileys, frame)
        if ('node' in baileys) assert.deepStrictEqual(decodeWellFormedBinaryNode(frame), baileys.node)
      }),
      { numRuns: 2000 },
    )
  })

  it('answers damaged and random bytes as Baileys does', () => {
    const anyBytes = fc.oneof(damaged, fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array)))
    fc.assert(
      fc.property(anyBytes.filter((frame) => !hasSignedLength(frame)), (frame) => assertDecodesAsBaileys(frame)),
      { numRuns: 3000 },
    )
  })

  it('reads every string form as Baileys does, those its encoder never writes included', () => {
    const node = (...parts: number[][]): Buffer => Buffer.from(parts.flat())
    const text = (value: string): number[] => [TAGS.BINARY_8, value.length, ...Buffer.from(value)]
    // <iq from=…/>: a node of three items (tag, one attribute pair), the value in each form.
    const withFrom = (...value: number[][]): Buffer => node([TAGS.LIST_8, 3], text('iq'), text('from'), ...value)
    // Each with whether the lean reader reads it itself (true) or leaves it to Baileys' decoder (false).
    const frames: Array<[string, Buffer, boolean]> = [
      ['AD JID, WhatsApp domain, device 0', withFrom([TAGS.AD_JID, 0, 0], text('123')), true],
      ['AD JID, LID domain, device 7', withFrom([TAGS.AD_JID, 1, 7], text('123')), true],
      ['AD JID, hosted domain', withFrom([TAGS.AD_JID, 128, 2], text('123')), true],
      ['AD JID, hosted LID domain', withFrom([TAGS.AD_JID, 129, 0], text('123')), true],
      ['AD JID, unknown domain', withFrom([TAGS.AD_JID, 5, 3], text('123')), true],
      ['FB JID', withFrom([TAGS.FB_JID], text('456'), [1, 2], text('msgr')), true],
      ['interop JID with its server', withFrom([TAGS.INTEROP_JID], text('789'), [0, 3], [0, 9], text('interop')), true],
      ['interop JID without a server (Baileys falls back)', withFrom([TAGS.INTEROP_JID], text('789'), [0, 3], [0, 9]), false],
      ['JID pair without a user', withFrom([TAGS.JID_PAIR, TAGS.LIST_EMPTY], text('g.us')), true],
      ['JID pair without a server', withFrom([TAGS.JID_PAIR], text('1'), [TAGS.LIST_EMPTY]), false],
      ['nibbles, odd length', withFrom([TAGS.NIBBLE_8, 0x82, 0x12, 0xaf]), true],
      ['nibble 12 (not one)', withFrom([TAGS.NIBBLE_8, 1, 0x1c]), false],
      ['hex, even length', withFrom([TAGS.HEX_8, 2, 0x0a, 0xf9]), true],
      ['double-byte token', withFrom([TAGS.DICTIONARY_2, 17]), true],
      ['raw text of 20-bit length', withFrom([TAGS.BINARY_20, 0, 0, 3], [...Buffer.from('abc')]), true],
      ['raw text of 32-bit length', withFrom([TAGS.BINARY_32, 0, 0, 0, 2], [...Buffer.from('hé')]), true],
      ['raw text cut short', withFrom([TAGS.BINARY_8, 9], [...Buffer.from('abc')]), false],
      ['an attribute named __proto__', node([TAGS.LIST_8, 5], text('iq'), text('__proto__'), text('x'), text('constructor'), text('y')), true],
      ['content of 32-bit length', node([TAGS.LIST_8, 2], text('iq'), [TAGS.BINARY_32, 0, 0, 0, 2, 7, 8]), true],
      ['content of a signed 32-bit length (Baileys moves its cursor back)', node([TAGS.LIST_8, 2], text('iq'), [TAGS.BINARY_32, 0xff, 0xff, 0xff, 0xfe]), false],
      ['an empty list of children', node([TAGS.LIST_8, 2], text('iq'), [TAGS.LIST_EMPTY]), true],
      ['children in a 16-bit list', node([TAGS.LIST_8, 2], text('iq'), [TAGS.LIST_16, 0, 1], [TAGS.LIST_8, 1], text('ping')), true],
      ['bytes after the node', node([TAGS.LIST_8, 1], text('iq'), [1, 2, 3]), true],
      ['an empty tag', node([TAGS.LIST_8, 1], [TAGS.LIST_EMPTY]), false],
      ['a list of no items', node([TAGS.LIST_EMPTY]), false],
      ['a node that is not a list', node(text('iq')), false],
    ]
    for (const [label, frame, leanReads] of frames) {
      assertDecodesAsBaileys(frame, label)
      if (leanReads) assert.deepStrictEqual(decodeWellFormedBinaryNode(frame), decodeWithBaileys(frame), label)
      else assert.throws(() => decodeWellFormedBinaryNode(frame), /not a frame the lean reader takes/, label)
    }
    assert.deepStrictEqual(decodeBinaryNodeLean(frames[1]![1]), { tag: 'iq', attrs: { from: '123:7@lid' }, content: undefined })
  })

  it('gives content bytes as views of the frame, as Baileys does, and starts afresh after a malformed frame', () => {
    const media: BinaryNode = { tag: 'iq', attrs: {}, content: Buffer.alloc(1_100_000, 5) }
    const frame = encoded(media)
    const node = decodeBinaryNodeLean(frame)
    assert.ok(Buffer.isBuffer(node.content))
    assert.equal(node.content.buffer, frame.buffer)
    assert.deepStrictEqual(node, decodeWithBaileys(frame))
    // A frame decoded after a malformed one: the cursor starts afresh.
    assert.throws(() => decodeBinaryNodeLean(Buffer.from([TAGS.LIST_8, 9])), /end of stream/)
    assert.deepStrictEqual(decodeBinaryNodeLean(encoded({ tag: 'ack', attrs: { id: 'A1' } })), { tag: 'ack', attrs: { id: 'A1' }, content: undefined })
  })
})
