import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const MIN_CUSTOM_KEY_LENGTH = 16
export const MAX_KEY_LENGTH = 256
const MASKED_PREFIX_LENGTH = 8

/** A new random key: 32 hex characters (128 bits), the seed's format. */
export function generateApiKey(): string {
  return randomBytes(16).toString('hex')
}

const digestOf = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest()

export function hashApiKey(key: string): string {
  return digestOf(key).toString('hex')
}

/**
 * A key as a request presents it, hashed once however many stored keys it is checked against (a
 * session's request meets the rate limiter, the admin key and the session's own key).
 */
export class PresentedKey {
  #digest: Buffer | undefined

  constructor(readonly value: string) {}

  get digest(): Buffer {
    this.#digest ??= digestOf(this.value)
    return this.#digest
  }

  /** The stored form, for lookups by hash. */
  get hash(): string {
    return this.digest.toString('hex')
  }
}

/** Constant-time comparison of a presented key against a stored SHA-256 hex digest. */
export function apiKeyMatches(presented: PresentedKey | string, storedHash: string): boolean {
  const presentedDigest = typeof presented === 'string' ? digestOf(presented) : presented.digest
  const storedDigest = Buffer.from(storedHash, 'hex')
  return storedDigest.length === presentedDigest.length && timingSafeEqual(presentedDigest, storedDigest)
}

/** The visible part of a key, kept so a masked form can be shown after the key itself is gone. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, MASKED_PREFIX_LENGTH)
}

export function maskApiKey(prefix: string): string {
  return `${prefix}...`
}
