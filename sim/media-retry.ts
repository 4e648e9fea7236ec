import { randomBytes } from 'node:crypto'
import {
  aesDecryptGCM,
  aesEncryptGCM,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  hkdf,
  proto,
  type BinaryNode
} from '@whiskeysockets/baileys'
import { PN_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { mediaContentOf } from './media-messages.js'

const { ResultType } = proto.MediaRetryNotification
const IV_BYTES = 12

// Request and answer are AES-GCM under a key derived from the file's mediaKey, with the message id as AAD.
const retryKey = (mediaKey: Uint8Array) => hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' })

/** The phone holds the message if the account sent it (the sim decrypted it) or a contact sent it media. */
function heldMessage(conn: Connection, id: string, ctx: SimContext): proto.IMessage | undefined {
  const sent = ctx.inbox.get(id)
  if (sent && sent.from === conn.phoneNumber) return sent.message
  return ctx.phoneMedia.find(conn.phoneNumber!, id)
}

/** Whether the request decrypts under the file's key and names this message, as the phone checks. */
function requestIsGenuine(receipt: BinaryNode, id: string, mediaKey: Uint8Array): boolean {
  const encrypt = getBinaryNodeChild(receipt, 'encrypt')
  const ciphertext = getBinaryNodeChildBuffer(encrypt, 'enc_p')
  const iv = getBinaryNodeChildBuffer(encrypt, 'enc_iv')
  if (!ciphertext || !iv) return false
  try {
    return proto.ServerErrorReceipt.decode(aesDecryptGCM(ciphertext, retryKey(mediaKey), iv, Buffer.from(id))).stanzaId === id
  } catch {
    return false
  }
}

function encryptedResult(id: string, mediaKey: Uint8Array, result: proto.IMediaRetryNotification): BinaryNode {
  const iv = randomBytes(IV_BYTES)
  const plaintext = proto.MediaRetryNotification.encode({ stanzaId: id, ...result }).finish()
  return {
    tag: 'encrypt',
    attrs: {},
    content: [
      { tag: 'enc_p', attrs: {}, content: aesEncryptGCM(plaintext, retryKey(mediaKey), iv, Buffer.from(id)) },
      { tag: 'enc_iv', attrs: {}, content: iv }
    ]
  }
}

/**
 * A device asked the account's phone (a `<receipt type=server-error>`) to re-upload a file the
 * media host no longer serves. The phone puts the same encrypted file at a new direct path and
 * answers with a `mediaretry` notification carrying it, encrypted for the file's key; a message
 * it does not hold gets `<error code=NOT_FOUND>`, so the client's wait ends either way.
 */
export function answerMediaRetry(conn: Connection, receipt: BinaryNode, ctx: SimContext): void {
  const id = receipt.attrs.id ?? ''
  const rmr = getBinaryNodeChild(receipt, 'rmr')
  const media = mediaContentOf(heldMessage(conn, id, ctx) ?? {})?.content
  const mediaKey = media?.mediaKey
  let outcome: BinaryNode
  if (!media || !mediaKey) {
    outcome = { tag: 'error', attrs: { code: String(ResultType.NOT_FOUND) } }
  } else if (!requestIsGenuine(receipt, id, mediaKey)) {
    outcome = encryptedResult(id, mediaKey, { result: ResultType.DECRYPTION_ERROR })
  } else {
    const rehosted = ctx.media.rehost(media.directPath ?? media.url ?? '')
    outcome = encryptedResult(id, mediaKey, rehosted ? { result: ResultType.SUCCESS, directPath: rehosted.directPath } : { result: ResultType.NOT_FOUND })
  }
  conn.send({
    tag: 'notification',
    attrs: { from: `${conn.phoneNumber}@${PN_SERVER}`, type: 'mediaretry', id, t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'rmr', attrs: { ...rmr?.attrs } }, outcome]
  })
}
