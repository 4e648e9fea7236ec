import { type BinaryNode, encodeBinaryNode, jidDecode } from '@whiskeysockets/baileys'
import { TAGS, TOKEN_MAP } from '@whiskeysockets/baileys/lib/WABinary/constants.js'

/**
 * WhatsApp's binary stanza encoding, byte for byte as Baileys' `encodeBinaryNode`, without its garbage.
 * Baileys pushes every byte into a growing JavaScript array and makes fifteen closures per node: about
 * half of what a send allocates, so half of the young collections. This writes into one reused buffer.
 * Anything unusual (a tag that is not a string, content of another type) goes to Baileys' own encoder,
 * so odd input gets its answer, error included.
 */
export const encodeBinaryNodeLean = (node: BinaryNode): Buffer => {
  position = 1
  target = scratch
  try {
    writeNode(node)
  } catch (error) {
    if (error !== UNUSUAL) throw error
    return encodeBinaryNode(node)
  }
  if (target !== scratch) return target.subarray(0, position)
  const encoded = Buffer.allocUnsafe(position)
  scratch.copy(encoded, 0, 0, position)
  return encoded
}

const SCRATCH_BYTES = 64 * 1024
/** Encoding is synchronous: one buffer serves every socket. Its first byte is 0 (no compression). */
const scratch = Buffer.alloc(SCRATCH_BYTES)
/** Where this encode writes: `scratch`, or a buffer of its own for a stanza larger than it (media). */
let target = scratch
let position = 1
const UNUSUAL = new Error('not a node this encoder takes')

const reserve = (bytes: number): void => {
  if (position + bytes <= target.length) return
  const grown = Buffer.allocUnsafe(Math.max(target.length * 2, position + bytes))
  target.copy(grown, 0, 0, position)
  target = grown
}

const writeByte = (value: number): void => {
  reserve(1)
  target[position++] = value & 0xff
}

const writeBytes = (bytes: Uint8Array): void => {
  reserve(bytes.length)
  target.set(bytes, position)
  position += bytes.length
}

const writeByteLength = (length: number): void => {
  if (length >= 4294967296) throw new Error(`string too large to encode: ${length}`)
  if (length >= 1 << 20) {
    writeByte(TAGS.BINARY_32)
    for (let shift = 24; shift >= 0; shift -= 8) writeByte(length >> shift)
  } else if (length >= 256) {
    writeByte(TAGS.BINARY_20)
    writeByte((length >> 16) & 0x0f)
    writeByte(length >> 8)
    writeByte(length)
  } else {
    writeByte(TAGS.BINARY_8)
    writeByte(length)
  }
}

const writeStringRaw = (value: string): void => {
  const length = Buffer.byteLength(value, 'utf8')
  writeByteLength(length)
  reserve(length)
  position += target.write(value, position, 'utf8')
}

const DIGIT_0 = 48
const DIGIT_9 = 57
const DASH = 45
const DOT = 46
const UPPER_A = 65
const UPPER_F = 70
const LOWER_A = 97
const LOWER_F = 102

const isDigit = (code: number): boolean => code >= DIGIT_0 && code <= DIGIT_9

/** A nibble of the padding character '\0' is 15 in both packings. */
const PAD = -1

/** One of the two ways Baileys packs a string two characters to a byte. */
interface Packing {
  tag: number
  /** The characters Baileys' test lets into this packing. */
  accepts(code: number): boolean
  /** A character's four bits (PAD for the padding of an odd length). */
  bitsOf(code: number): number
}

/** Digits, '-' and '.'. */
const NIBBLES: Packing = {
  tag: TAGS.NIBBLE_8,
  accepts: (code) => isDigit(code) || code === DASH || code === DOT,
  bitsOf: (code) => {
    if (code === PAD) return 15
    if (code === DASH) return 10
    if (code === DOT) return 11
    return code - DIGIT_0
  },
}

/** Digits and upper-case A-F (Baileys' test; its packing also takes lower case). */
const HEX: Packing = {
  tag: TAGS.HEX_8,
  accepts: (code) => isDigit(code) || (code >= UPPER_A && code <= UPPER_F),
  bitsOf: (code) => {
    if (code === PAD) return 15
    if (code >= LOWER_A && code <= LOWER_F) return 10 + code - LOWER_A
    if (code >= UPPER_A && code <= UPPER_F) return 10 + code - UPPER_A
    return code - DIGIT_0
  },
}

const fits = (value: string, packing: Packing): boolean => {
  if (!value || value.length > TAGS.PACKED_MAX) return false
  for (let i = 0; i < value.length; i++) if (!packing.accepts(value.charCodeAt(i))) return false
  return true
}

const writePacked = (value: string, packing: Packing): void => {
  writeByte(packing.tag)
  writeByte(Math.ceil(value.length / 2) | (value.length % 2 === 0 ? 0 : 128))
  for (let i = 0; i < value.length; i += 2) {
    const second = i + 1 < value.length ? value.charCodeAt(i + 1) : PAD
    writeByte((packing.bitsOf(value.charCodeAt(i)) << 4) | packing.bitsOf(second))
  }
}

const writeJid = (jid: NonNullable<ReturnType<typeof jidDecode>>): void => {
  if (jid.device !== undefined) {
    writeByte(TAGS.AD_JID)
    writeByte(jid.domainType || 0)
    writeByte(jid.device || 0)
    writeString(jid.user)
  } else {
    writeByte(TAGS.JID_PAIR)
    if (jid.user.length) writeString(jid.user)
    else writeByte(TAGS.LIST_EMPTY)
    writeString(jid.server)
  }
}

const writeString = (value: string | undefined | null): void => {
  if (value === undefined || value === null) {
    writeByte(TAGS.LIST_EMPTY)
    return
  }
  if (typeof value !== 'string') throw UNUSUAL
  if (value === '') {
    writeStringRaw(value)
    return
  }
  // As Baileys looks it up: a name of Object.prototype's ('constructor') is found too, and written as 0.
  const token = TOKEN_MAP[value]
  if (token) {
    if (typeof token.dict === 'number') writeByte(TAGS.DICTIONARY_0 + token.dict)
    writeByte(token.index)
  } else if (fits(value, NIBBLES)) {
    writePacked(value, NIBBLES)
  } else if (fits(value, HEX)) {
    writePacked(value, HEX)
  } else {
    const jid = jidDecode(value)
    if (jid) writeJid(jid)
    else writeStringRaw(value)
  }
}

const writeListStart = (size: number): void => {
  if (size === 0) {
    writeByte(TAGS.LIST_EMPTY)
  } else if (size < 256) {
    writeByte(TAGS.LIST_8)
    writeByte(size)
  } else {
    writeByte(TAGS.LIST_16)
    writeByte(size >> 8)
    writeByte(size)
  }
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array

/** Baileys' filter for a node's children; an item that passes but is not a node makes it throw. */
const isChild = (item: unknown): boolean => {
  if (!item) return false
  return Boolean((item as BinaryNode).tag) || isBytes(item) || typeof item === 'string'
}

const writeNode = (node: BinaryNode): void => {
  if (isBytes(node) || typeof node !== 'object' || node === null) throw UNUSUAL
  const { tag, attrs, content } = node
  if (!tag || typeof tag !== 'string') throw UNUSUAL
  if (attrs && typeof attrs !== 'object') throw UNUSUAL
  // Counted when neither undefined nor null, written only when a string: Baileys' own quirk, kept.
  const keys = attrs ? Object.keys(attrs).filter((key) => attrs[key] !== undefined && attrs[key] !== null) : []
  writeListStart(2 * keys.length + 1 + (content === undefined ? 0 : 1))
  writeString(tag)
  for (const key of keys) {
    const value = attrs[key]
    if (typeof value === 'string') {
      writeString(key)
      writeString(value)
    }
  }
  if (typeof content === 'string') {
    writeString(content)
  } else if (isBytes(content)) {
    writeByteLength(content.length)
    writeBytes(content)
  } else if (Array.isArray(content)) {
    let children = 0
    for (const item of content) if (isChild(item)) children++
    writeListStart(children)
    for (const item of content) if (isChild(item)) writeNode(item)
  } else if (content !== undefined) {
    throw UNUSUAL
  }
}
