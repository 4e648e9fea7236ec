import { NOISE_WA_HEADER } from '@whiskeysockets/baileys'

const LENGTH_BYTES = 3

/** Prefixes a payload with WhatsApp's 3-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + payload.byteLength)
  frame[0] = (payload.byteLength >>> 16) & 0xff
  frame[1] = (payload.byteLength >>> 8) & 0xff
  frame[2] = payload.byteLength & 0xff
  frame.set(payload, LENGTH_BYTES)
  return frame
}

/**
 * Splits the client's byte stream into frames. The very first bytes carry an intro header:
 * "WA" + version + dict version, or "ED" + 3-byte routing-info length + routing info + "WA..".
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0)
  private introSeen = false

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk
    if (!this.introSeen && !this.skipIntro()) return []
    const frames: Buffer[] = []
    while (this.buffered.length >= LENGTH_BYTES) {
      const size = (this.buffered[0]! << 16) | (this.buffered[1]! << 8) | this.buffered[2]!
      if (this.buffered.length < LENGTH_BYTES + size) break
      frames.push(this.buffered.subarray(LENGTH_BYTES, LENGTH_BYTES + size))
      this.buffered = this.buffered.subarray(LENGTH_BYTES + size)
    }
    return frames
  }

  private skipIntro(): boolean {
    let offset = 0
    if (this.buffered[0] === 0x45 && this.buffered[1] === 0x44) {
      // "ED" edge-routing preamble: ED, 0, 1, 3-byte length, routing info
      if (this.buffered.length < 7) return false
      const routingLength = (this.buffered[4]! << 16) | this.buffered.readUInt16BE(5)
      offset = 7 + routingLength
    }
    if (this.buffered.length < offset + NOISE_WA_HEADER.length) return false
    this.buffered = this.buffered.subarray(offset + NOISE_WA_HEADER.length)
    this.introSeen = true
    return true
  }
}
