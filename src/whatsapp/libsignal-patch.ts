import { createRequire } from 'node:module'

/**
 * Loads a module as libsignal's curve module resolves it, so the instance is the very one Baileys
 * (through libsignal) calls: `./curve.js` is libsignal's own, `curve25519-js` its dependency.
 */
export function requireAsLibsignal(id: string): unknown {
  const baileysEntry = createRequire(import.meta.url).resolve('@whiskeysockets/baileys')
  const libsignalCurve = createRequire(baileysEntry).resolve('libsignal/src/curve.js')
  return createRequire(libsignalCurve)(id)
}

/**
 * A Buffer over (part of) a Uint8Array's memory, without a copy: libsignal hands Buffers around, and
 * whatsapp-rust-bridge's WebAssembly returns Uint8Arrays, each with an ArrayBuffer of its own.
 */
export const asBuffer = (bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset + offset, length)

/**
 * Replaces functions on a CommonJS exports object once per process (marked by `mark`): `create`
 * gets the originals and returns the replacements; of these, the ones the object already has
 * are put on it. Returns the replacements, or undefined if the object was patched before.
 */
export function patchOnce<T extends object, R extends Partial<T>>(target: T, mark: symbol, create: (originals: T) => R): R | undefined {
  const exports = target as Record<string | symbol, unknown>
  if (exports[mark]) return undefined
  const replacements = create({ ...target })
  for (const [key, replacement] of Object.entries(replacements)) {
    if (key in exports) exports[key] = replacement
  }
  exports[mark] = true
  return replacements
}
