import type { MediaPayload, OutgoingMessage } from './outgoing-content.js'

/** How an outgoing message is stored: JSON for everything but the media bytes, which go beside it. */
export interface EncodedMessage {
  json: string
  media: Buffer | null
}

type StoredMedia = Omit<MediaPayload, 'data'>

export function encodeMessage(message: OutgoingMessage): EncodedMessage {
  const { content } = message
  if (!('media' in content)) return { json: JSON.stringify(message), media: null }
  const { data, ...described } = content.media
  return { json: JSON.stringify({ ...message, content: { ...content, media: described } }), media: data }
}

/** Rebuilds the message; `loadMedia` is called only for a message that has media (text needs no extra read). */
export async function decodeMessage(json: string, loadMedia: () => Promise<Buffer | undefined>): Promise<OutgoingMessage> {
  const message = JSON.parse(json) as OutgoingMessage
  const { content } = message
  if ('media' in content) {
    const media = await loadMedia()
    if (!media) throw new Error('the media of this message is no longer stored')
    return { ...message, content: { ...content, media: { ...(content.media as StoredMedia), data: media } } as typeof content }
  }
  return message
}
