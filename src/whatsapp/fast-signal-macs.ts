import { timingSafeEqual } from 'node:crypto'
import { generateIndexMac as wasmHmacSha256, hkdf as wasmHkdf } from 'whatsapp-rust-bridge'
import { asBuffer, patchOnce, requireAsLibsignal } from './libsignal-patch.js'

/** The part of libsignal's crypto module (a CommonJS exports object) that this module replaces. */
export interface SignalMacs {
  calculateMAC(key: Buffer, data: Buffer): Buffer
  deriveSecrets(input: Buffer, salt: Buffer, info: Buffer, chunks?: number): Buffer[]
  verifyMAC(data: Buffer, key: Buffer, mac: Buffer, length: number): void
}

const INSTALLED = Symbol.for('whatsapp-api.fast-signal-macs')
const SECRET_BYTES = 32
/** libsignal's infos ("WhisperText", "WhisperRatchet", "WhisperMessageKeys") are ASCII; the WebAssembly takes a string. */
const isAscii = (bytes: Buffer): boolean => bytes.every((byte) => byte < 0x80)

/** libsignal's crypto module, the very instance Baileys loads. */
export const loadSignalMacs = (): SignalMacs => requireAsLibsignal('./crypto.js') as SignalMacs

/**
 * libsignal's HMAC-SHA256 and HKDF without a Node object per call. Each message encrypted or
 * decrypted for a device takes seven HMACs (two chain-key steps, four for the message keys' HKDF,
 * the MAC), each a Node `Hmac`: a native object freed by a garbage-collector callback, about
 * 1.7 µs each inside the next scavenge's pause, on top of 3.2 µs to make and use it. Here they run
 * in whatsapp-rust-bridge's WebAssembly (which Baileys already loads): 1.9 µs an HMAC, 5.4 µs an
 * HKDF of three secrets against 13 µs, and nothing for the collector to free. Same bytes
 * (property-tested against libsignal's); anything outside the shapes libsignal itself passes (a
 * 32-byte Buffer key and Buffer data; a 32-byte salt, an ASCII info and one to three secrets) goes
 * to libsignal's own function, with its errors.
 */
export function createFastSignalMacs(original: SignalMacs): SignalMacs {
  // The WebAssembly's HMAC takes 32-byte keys only, as all of libsignal's are.
  const calculateMAC = (key: Buffer, data: Buffer): Buffer =>
    Buffer.isBuffer(key) && key.byteLength === SECRET_BYTES && Buffer.isBuffer(data) ? asBuffer(wasmHmacSha256(data, key)) : original.calculateMAC(key, data)
  return {
    calculateMAC,
    deriveSecrets(input, salt, info, chunks = 3) {
      const usual = Buffer.isBuffer(input) && Buffer.isBuffer(salt) && salt.byteLength === SECRET_BYTES && Buffer.isBuffer(info) && isAscii(info) &&
        Number.isInteger(chunks) && chunks >= 1 && chunks <= 3
      if (!usual) return original.deriveSecrets(input, salt, info, chunks)
      const secrets = wasmHkdf(input, chunks * SECRET_BYTES, { salt, info: info.toString('latin1') })
      return Array.from({ length: chunks }, (_, index) => asBuffer(secrets, index * SECRET_BYTES, SECRET_BYTES))
    },
    verifyMAC(data, key, mac, length) {
      if (!Buffer.isBuffer(mac)) return original.verifyMAC(data, key, mac, length)
      const calculated = calculateMAC(key, data).subarray(0, length)
      if (mac.length !== length || calculated.length !== length) throw new Error('Bad MAC length')
      if (!timingSafeEqual(mac, calculated)) throw new Error('Bad MAC')
    },
  }
}

/** Puts the fast MACs under libsignal's session builder and cipher (they call them through the module object), once per process. */
export function installFastSignalMacs(macs: SignalMacs = loadSignalMacs()): void {
  patchOnce(macs, INSTALLED, createFastSignalMacs)
}
