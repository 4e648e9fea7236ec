import { normalizeMessageContent, proto, type MediaType } from '@whiskeysockets/baileys'
import { decryptMedia, encryptMedia, type EncryptedMedia } from './media-crypto.js'
import type { MediaHost } from './media-host.js'

export type MediaKind = 'image' | 'video' | 'audio' | 'document'

export interface OutgoingMedia {
  kind: MediaKind
  data: Buffer
  mimetype: string
  fileName?: string
  caption?: string
  /** audio only: a voice note (push-to-talk) */
  voice?: boolean
}

export interface MediaFile {
  data: Buffer
  mimetype: string
  fileName?: string
}

type MediaContent = proto.Message.IImageMessage &
  proto.Message.IVideoMessage &
  proto.Message.IAudioMessage &
  proto.Message.IDocumentMessage &
  proto.Message.IStickerMessage

/** The media part of a message and the key type its mediaKey is expanded for. */
export function mediaContentOf(message: proto.IMessage): { type: MediaType; content: MediaContent } | undefined {
  const m = normalizeMessageContent(message)
  if (m?.imageMessage) return { type: 'image', content: m.imageMessage }
  if (m?.videoMessage) return { type: 'video', content: m.videoMessage }
  if (m?.audioMessage) return { type: 'audio', content: m.audioMessage }
  if (m?.documentMessage) return { type: 'document', content: m.documentMessage }
  if (m?.stickerMessage) return { type: 'sticker', content: m.stickerMessage }
  return undefined
}

/** Fetches a received message's media from the host and decrypts it, as the recipient's phone would. */
export async function openMedia(message: proto.IMessage, host: MediaHost): Promise<MediaFile | undefined> {
  const media = mediaContentOf(message)
  const ref = media?.content.directPath ?? media?.content.url
  const blob = ref ? host.get(ref) : undefined
  if (!media?.content.mediaKey || !blob) return undefined
  return {
    data: await decryptMedia(blob, media.content.mediaKey, media.type),
    mimetype: media.content.mimetype ?? 'application/octet-stream',
    ...(media.content.fileName ? { fileName: media.content.fileName } : {})
  }
}

/** Encrypts and hosts a file, and builds the message that points at it. */
export async function hostedMediaMessage(spec: OutgoingMedia, host: MediaHost): Promise<{ message: proto.IMessage; directPath: string }> {
  const encrypted = await encryptMedia(spec.data, spec.kind)
  const { directPath, url } = host.put(encrypted.blob)
  return { message: mediaMessage(spec, { url, directPath, ...encrypted }), directPath }
}

function mediaMessage(spec: OutgoingMedia, file: EncryptedMedia & { url: string; directPath: string }): proto.IMessage {
  const common = {
    url: file.url,
    directPath: file.directPath,
    mediaKey: file.mediaKey,
    mimetype: spec.mimetype,
    fileSha256: file.fileSha256,
    fileEncSha256: file.fileEncSha256,
    fileLength: spec.data.length,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000)
  }
  const caption = spec.caption !== undefined ? { caption: spec.caption } : {}
  switch (spec.kind) {
    case 'image':
      return { imageMessage: { ...common, ...caption } }
    case 'video':
      return { videoMessage: { ...common, ...caption } }
    case 'audio':
      return { audioMessage: { ...common, ptt: spec.voice ?? false } }
    case 'document':
      return { documentMessage: { ...common, ...caption, fileName: spec.fileName ?? 'file' } }
  }
}
