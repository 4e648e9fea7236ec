/** Just enough ASN.1 DER encoding to write X.509 certificates. */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let rest = n; rest > 0; rest >>>= 8) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content])
}

export const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
export const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
export const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]))
export const octetString = (bytes: Buffer) => tlv(0x04, bytes)
export const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'))
/** [n] EXPLICIT: wraps a complete element */
export const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner)

/** A non-negative INTEGER from big-endian bytes, with the leading zero DER needs when the top bit is set. */
export function unsignedInt(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const trimmed = bytes.subarray(start)
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

/** BIT STRING with `unused` padding bits in the last byte. */
export const bitString = (bytes: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]))

export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [first * 40 + second]
  for (const arc of rest) {
    const chunk = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime (YYMMDDHHMMSSZ), valid for years 1950-2049. */
export function utcTime(date: Date): Buffer {
  const iso = date.toISOString() // 2024-01-02T03:04:05.678Z
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z'
  return tlv(0x17, Buffer.from(text, 'ascii'))
}
