import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomFillSync } from 'node:crypto'

const PREFIX = 'enc:v1:'
const IV_BYTES = 12
const TAG_BYTES = 16
export const DATA_KEY_BYTES = 32
/** IVs come from a pool filled by the system's CSPRNG: one call per 341 values instead of one each (the send path seals a few keys per message). */
const IV_POOL_BYTES = IV_BYTES * 341

let ivPool = Buffer.alloc(0)
let ivOffset = 0
function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafe(IV_POOL_BYTES))
    ivOffset = 0
  }
  ivOffset += IV_BYTES
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset)
}

/** A sealed value could not be opened: another key, another row's value, or tampered with. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretBoxError'
  }
}

/**
 * Seals secrets stored in the database (AES-256-GCM). Each value is bound to where it belongs (its
 * table and row) as associated data, so a sealed value copied into another row does not open.
 * Sealed values are text: `enc:v1:` and base64 of IV, ciphertext and tag.
 */
export class SecretBox {
  private constructor(private readonly key: KeyObject) {}

  /** From DATA_ENCRYPTION_KEY: 32 bytes, base64. */
  static fromBase64(encoded: string): SecretBox {
    const key = Buffer.from(encoded, 'base64')
    if (key.length !== DATA_KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== encoded.trim().replace(/=+$/, '')) {
      throw new SecretBoxError(`A data encryption key is ${DATA_KEY_BYTES} bytes in base64 (for example: openssl rand -base64 32)`)
    }
    return new SecretBox(createSecretKey(key))
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX)
  }

  seal(plaintext: string, context: string): string {
    const iv = freshIv()
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const sealed = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return PREFIX + sealed.toString('base64')
  }

  open(value: string, context: string): string {
    if (!SecretBox.isSealed(value)) throw new SecretBoxError(`The value of ${context} is not encrypted, though DATA_ENCRYPTION_KEY is set`)
    const sealed = Buffer.from(value.slice(PREFIX.length), 'base64')
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError(`The value of ${context} is truncated`)
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretBoxError(`The value of ${context} does not open with DATA_ENCRYPTION_KEY (another key, or altered)`)
    }
  }
}

/** Where each kind of secret lives: the associated data its sealed value is bound to. */
export const secretContext = {
  creds: (deviceId: string) => `auth_creds:${deviceId}`,
  authKey: (deviceId: string, type: string, id: string) => `auth_keys:${deviceId}:${type}:${id}`,
  webhookSecret: (webhookId: string) => `webhooks.secret:${webhookId}`,
  proxyUrl: (deviceId: string) => `sessions.proxy_url:${deviceId}`,
  keyCheck: 'settings:data_encryption_check',
}
