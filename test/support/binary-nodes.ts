import type { BinaryNode } from '@whiskeysockets/baileys'
import { SINGLE_BYTE_TOKENS, TOKEN_MAP } from '@whiskeysockets/baileys/lib/WABinary/constants.js'
import fc from 'fast-check'

const tokens = Object.keys(TOKEN_MAP)
/** Every kind of string the encoder tells apart: tokens, nibbles, hex, JIDs of each form, raw text. */
export const anyString = fc.oneof(
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

/** Nodes of every shape Baileys' encoder is given, odd children and attribute values included. */
export const binaryNode: fc.Arbitrary<BinaryNode> = fc.letrec<{ node: BinaryNode }>((tie) => ({
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
