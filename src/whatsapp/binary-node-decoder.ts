import type { BinaryNode } from '@whiskeysockets/baileys'
import * as constants from '@whiskeysockets/baileys/lib/WABinary/constants.js'
import { decodeDecompressedBinaryNode } from '@whiskeysockets/baileys/lib/WABinary/decode.js'

const { DOUBLE_BYTE_TOKENS, SINGLE_BYTE_TOKENS, TAGS } = constants

/**
 * WhatsApp's binary stanza decoding, node for node as Baileys' `decodeDecompressedBinaryNode`, without
 * its garbage. Baileys makes about twenty closures and an index object per node, for every frame the
 * socket receives (keep-alive answers, acks, receipts, messages); this reads with plain functions over
 * one module-level cursor. A frame it does not take as well-formed goes to Baileys' own decoder, so a
 * malformed one gets Baileys' answer, error included. `frame` is decompressed, its flag byte removed.
 */
export const decodeBinaryNodeLean = (frame: Buffer): BinaryNode => {
  try {
    return decodeWellFormedBinaryNode(frame)
  } catch (error) {
    if (error !== MALFORMED) throw error
    return decodeDecompressedBinaryNode(frame, constants)
  }
}

/** The lean reader alone: throws MALFORMED for a frame it does not take (it takes every frame Baileys' encoder writes and its decoder reads). */
export const decodeWellFormedBinaryNode = (frame: Buffer): BinaryNode => {
  input = frame
  index = 0
  try {
    return readNode()
  } finally {
    input = EMPTY
  }
}

const EMPTY = Buffer.alloc(0)
/** Decoding is synchronous: one cursor serves every socket. */
let input: Buffer = EMPTY
let index = 0
const MALFORMED = new Error('not a frame the lean reader takes')

const readByte = (): number => {
  if (index >= input.length) throw MALFORMED
  return input[index++]!
}

/** A big-endian unsigned length of `bytes` bytes (Baileys' sign quirk on four is left to Baileys). */
const readLength = (bytes: number): number => {
  if (index + bytes > input.length) throw MALFORMED
  let value = 0
  for (let i = 0; i < bytes; i++) value = value * 256 + input[index++]!
  if (value >= 0x80000000) throw MALFORMED
  return value
}

const readInt20 = (): number => {
  if (index + 3 > input.length) throw MALFORMED
  const value = ((input[index]! & 15) << 16) + (input[index + 1]! << 8) + input[index + 2]!
  index += 3
  return value
}

const readBytes = (length: number): Buffer => {
  if (index + length > input.length) throw MALFORMED
  const bytes = input.subarray(index, index + length)
  index += length
  return bytes
}

const readText = (length: number): string => {
  if (index + length > input.length) throw MALFORMED
  const text = input.toString('utf8', index, index + length)
  index += length
  return text
}

const DIGIT_0 = 48
const UPPER_A = 65
const NUL = 0
const DASH = 45
const DOT = 46

const nibbleCode = (value: number): number => {
  if (value <= 9) return DIGIT_0 + value
  if (value === 10) return DASH
  if (value === 11) return DOT
  if (value === 15) return NUL
  throw MALFORMED
}

const hexCode = (value: number): number => (value < 10 ? DIGIT_0 + value : UPPER_A + value - 10)

/** Two characters to a byte; the high bit of the count drops the last (padding) character. */
const readPacked = (tag: number): string => {
  const start = readByte()
  const count = start & 127
  if (index + count > input.length) throw MALFORMED
  const unpack = tag === TAGS.NIBBLE_8 ? nibbleCode : hexCode
  let value = ''
  for (let i = 0; i < count; i++) {
    const byte = input[index++]!
    value += String.fromCharCode(unpack(byte >> 4), unpack(byte & 15))
  }
  return start >> 7 === 0 ? value : value.slice(0, -1)
}

const readJidPair = (): string => {
  const user = readString(readByte())
  const server = readString(readByte())
  if (!server) throw MALFORMED
  return `${user}@${server}`
}

const AD_JID_SERVERS: Record<number, string> = {
  0: 's.whatsapp.net',
  1: 'lid',
  128: 'hosted',
  129: 'hosted.lid',
}

/** As Baileys' `jidEncode(user, server, device)`: device 0 is left out. */
const readAdJid = (): string => {
  const domainType = readByte()
  const device = readByte()
  const user = readString(readByte())
  const server = AD_JID_SERVERS[domainType] ?? AD_JID_SERVERS[0]
  return device ? `${user}:${device}@${server}` : `${user}@${server}`
}

const readFbJid = (): string => {
  const user = readString(readByte())
  const device = readLength(2)
  const server = readString(readByte())
  return `${user}:${device}@${server}`
}

/** Baileys reads the server optionally (falling back to 'interop' on a failed read); that case is its. */
const readInteropJid = (): string => {
  const user = readString(readByte())
  const device = readLength(2)
  const integrator = readLength(2)
  const server = readString(readByte())
  return `${integrator}-${user}:${device}@${server}`
}

const readString = (tag: number): string => {
  if (tag >= 1 && tag < SINGLE_BYTE_TOKENS.length) return SINGLE_BYTE_TOKENS[tag] || ''
  switch (tag) {
    case TAGS.DICTIONARY_0:
    case TAGS.DICTIONARY_1:
    case TAGS.DICTIONARY_2:
    case TAGS.DICTIONARY_3: {
      const token = DOUBLE_BYTE_TOKENS[tag - TAGS.DICTIONARY_0]![readByte()]
      if (token === undefined) throw MALFORMED
      return token
    }
    case TAGS.LIST_EMPTY:
      return ''
    case TAGS.BINARY_8:
      return readText(readByte())
    case TAGS.BINARY_20:
      return readText(readInt20())
    case TAGS.BINARY_32:
      return readText(readLength(4))
    case TAGS.JID_PAIR:
      return readJidPair()
    case TAGS.FB_JID:
      return readFbJid()
    case TAGS.INTEROP_JID:
      return readInteropJid()
    case TAGS.AD_JID:
      return readAdJid()
    case TAGS.HEX_8:
    case TAGS.NIBBLE_8:
      return readPacked(tag)
    default:
      throw MALFORMED
  }
}

/** The size of a list, or -1 when `tag` does not start one. */
const listSize = (tag: number): number => {
  if (tag === TAGS.LIST_EMPTY) return 0
  if (tag === TAGS.LIST_8) return readByte()
  if (tag === TAGS.LIST_16) return readLength(2)
  return -1
}

const readContent = (): BinaryNode['content'] => {
  const tag = readByte()
  const size = listSize(tag)
  if (size >= 0) {
    const children: BinaryNode[] = []
    for (let i = 0; i < size; i++) children.push(readNode())
    return children
  }
  if (tag === TAGS.BINARY_8) return readBytes(readByte())
  if (tag === TAGS.BINARY_20) return readBytes(readInt20())
  if (tag === TAGS.BINARY_32) return readBytes(readLength(4))
  return readString(tag)
}

const readNode = (): BinaryNode => {
  const size = listSize(readByte())
  if (size <= 0) throw MALFORMED
  const tag = readString(readByte())
  if (!tag) throw MALFORMED
  // Plain assignment into `{}`, as Baileys does: an attribute named `__proto__` is dropped the same way.
  const attrs: Record<string, string> = {}
  for (let pairs = (size - 1) >> 1; pairs > 0; pairs--) {
    const key = readString(readByte())
    attrs[key] = readString(readByte())
  }
  const content = size % 2 === 0 ? readContent() : undefined
  return { tag, attrs, content }
}
