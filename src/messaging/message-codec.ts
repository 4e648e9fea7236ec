import type { MediaPayload, OutgoingMessage } from './outgoing-content.js'

/** How an outgoing message is stored: JSON for everything but the media bytes, which go beside it. */
export interface EncodedMessage {
  json: string
  media: Buffer | null
}

type StoredMedia = Omit<MediaPayload, 'data'>

/** The bytes stored beside the JSON: a media file, or the encoding of a message to forward. */
export function encodeMessage(message: OutgoingMessage): EncodedMessage {
  const { content } = message
  if ('media' in content) {
    const { data, ...described } = content.media
    return { json: JSON.stringify({ ...message, content: { ...content, media: described } }), media: data }
  }
  if (content.type === 'forward' && content.original.encoded) {
    const { data, format } = content.original.encoded
    return { json: JSON.stringify({ ...message, content: { ...content, original: { ...content.original, encoded: { format } } } }), media: data }
  }
  return { json: JSON.stringify(message), media: null }
}

/** Rebuilds the message; `loadBytes` is called only for a message stored with bytes beside it (text needs no extra read). */
export async function decodeMessage(json: string, loadBytes: () => Promise<Buffer | undefined>): Promise<OutgoingMessage> {
  const message = JSON.parse(json) as OutgoingMessage
  const { content } = message
  const stored = async (): Promise<Buffer> => {
    const bytes = await loadBytes()
    if (!bytes) throw new Error('the media of this message is no longer stored')
    return bytes
  }
  if ('media' in content) {
    return { ...message, content: { ...content, media: { ...(content.media as StoredMedia), data: await stored() } } as typeof content }
  }
  if (content.type === 'forward' && content.original.encoded) {
    const encoded = { format: content.original.encoded.format, data: await stored() }
    return { ...message, content: { ...content, original: { ...content.original, encoded } } }
  }
  return message
}
