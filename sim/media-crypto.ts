import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { getMediaKeys, type MediaType } from '@whiskeysockets/baileys'

// WhatsApp media: AES-256-CBC under keys HKDF-expanded from a per-file mediaKey, followed by
// the first 10 bytes of HMAC-SHA256(macKey, iv || ciphertext).
const MAC_BYTES = 10

export interface EncryptedMedia {
  mediaKey: Buffer
  /** ciphertext + mac: what is uploaded and served */
  blob: Buffer
  fileSha256: Buffer
  fileEncSha256: Buffer
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()

async function keysFor(mediaKey: Uint8Array, type: MediaType): Promise<{ cipherKey: Buffer; iv: Buffer; macKey: Buffer }> {
  const { cipherKey, iv, macKey } = await getMediaKeys(mediaKey, type)
  if (!macKey) throw new Error('no mac key derived')
  return { cipherKey: Buffer.from(cipherKey), iv: Buffer.from(iv), macKey: Buffer.from(macKey) }
}

export async function encryptMedia(data: Buffer, type: MediaType): Promise<EncryptedMedia> {
  const mediaKey = randomBytes(32)
  const { cipherKey, iv, macKey } = await keysFor(mediaKey, type)
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv)
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()])
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_BYTES)
  const blob = Buffer.concat([ciphertext, mac])
  return { mediaKey, blob, fileSha256: sha256(data), fileEncSha256: sha256(blob) }
}

/** Checks the mac and decrypts; throws on a wrong key or a tampered blob. */
export async function decryptMedia(blob: Buffer, mediaKey: Uint8Array, type: MediaType): Promise<Buffer> {
  const { cipherKey, iv, macKey } = await keysFor(mediaKey, type)
  const ciphertext = blob.subarray(0, blob.length - MAC_BYTES)
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_BYTES)
  if (blob.length <= MAC_BYTES || !timingSafeEqual(mac, blob.subarray(blob.length - MAC_BYTES))) throw new Error('media mac mismatch')
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}
