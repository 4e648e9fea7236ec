import { randomFillSync } from 'node:crypto'

const PREFIX = '3EB0'
const RANDOM_BYTES_PER_ID = 18
const pool = Buffer.alloc(RANDOM_BYTES_PER_ID * 256)
let offset = pool.length

/**
 * A new outgoing message id in WhatsApp Web's format, as Baileys' generateMessageID makes them
 * ('3EB0' and 18 random bytes in upper-case hex). The random bytes come from a pool refilled 4.5 KiB
 * at a time, as Node does for randomUUID(): one OpenSSL call per id showed up in a send's profile.
 */
export function newMessageId(): string {
  if (offset + RANDOM_BYTES_PER_ID > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const id = PREFIX + pool.toString('hex', offset, offset + RANDOM_BYTES_PER_ID).toUpperCase()
  offset += RANDOM_BYTES_PER_ID
  return id
}
