import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { InboundMessage } from '../messaging/inbound-message.js'
import type { MediaKind } from '../messaging/outgoing-content.js'
import type { KeptMediaRepository } from '../store/ports.js'
import { STATUS_JID } from '../messaging/chat-kind.js'
import { within } from '../time.js'
import { mediaKey, type MediaStore } from './media-store.js'

export interface MediaKeeperOptions {
  kinds: readonly MediaKind[]
  store: MediaStore
  kept: KeptMediaRepository
  maxBytes: number
  /** How long one attempt (download and store) may take. */
  attemptTimeoutMs: number
  /** The media of a received message, through the session's socket (undefined when it is not connected here). */
  download: (deviceId: string, raw: Uint8Array) => Promise<NodeJS.ReadableStream> | undefined
  logger: Logger
  /** Waits between attempts; one attempt more than there are delays. */
  retryDelaysMs?: readonly number[]
}

/** Files downloaded and stored at once, over all sessions: each is held in memory while it is (up to MEDIA_MAX_BYTES). */
const CONCURRENT_KEEPS = 4

async function readAll(stream: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as Readable) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      ;(stream as Readable).destroy()
      throw new Error(`the file is larger than MEDIA_MAX_BYTES (${maxBytes} bytes)`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Downloads received media of the kinds MEDIA_AUTO_DOWNLOAD names as they arrive and keeps them in
 * the media store, so the event can link to the file and the media route serves it without
 * WhatsApp. A download or store that fails is retried; after the last try the event goes out
 * anyway, marked not stored.
 */
export class MediaKeeper {
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly options: MediaKeeperOptions) {}

  /** Received media of the chosen kinds: not what the account sent from its phone, nor contacts' status updates. */
  wants(message: InboundMessage): boolean {
    return message.media !== null && !message.fromMe && message.chat !== STATUS_JID && (this.options.kinds as readonly string[]).includes(message.type)
  }

  /** The message with its media's link and hash (or marked not stored), once kept. */
  async keep(deviceId: string, message: InboundMessage, raw: Uint8Array): Promise<InboundMessage> {
    const { retryDelaysMs = [1000, 3000], logger, maxBytes } = this.options
    let lastError = `the file is larger than MEDIA_MAX_BYTES (${maxBytes} bytes)`
    // A file WhatsApp says is too large is not fetched at all.
    for (let attempt = 0; attempt <= retryDelaysMs.length && (message.media?.size ?? 0) <= maxBytes; attempt++) {
      if (attempt > 0) await sleep(retryDelaysMs[attempt - 1])
      try {
        const { url, sha256 } = await this.throttled(() => this.store(deviceId, message, raw))
        return { ...message, media: { ...message.media!, stored: true, url, sha256 } }
      } catch (error) {
        lastError = (error as Error).message
      }
    }
    logger.warn({ deviceId, messageId: message.id, error: lastError }, 'could not keep received media; its event goes out without a link')
    // A file stored before its record failed would be named by nothing: best effort, it goes.
    await this.options.store.delete([mediaKey(deviceId, message.id)]).catch(() => undefined)
    return { ...message, media: { ...message.media!, stored: false, url: null, sha256: null } }
  }

  private async store(deviceId: string, message: InboundMessage, raw: Uint8Array): Promise<{ url: string; sha256: string }> {
    const { attemptTimeoutMs, maxBytes } = this.options
    const deadline = Date.now() + attemptTimeoutMs
    const left = (): number => Math.max(1, deadline - Date.now())
    const download = this.options.download(deviceId, raw)
    if (!download) throw new Error('the session is not connected on this node')
    const stream = await within(download, left(), 'the media download')
    let data: Buffer
    try {
      data = await within(readAll(stream, maxBytes), left(), 'the media download')
    } finally {
      ;(stream as Readable).destroy()
    }
    const sha256 = createHash('sha256').update(data).digest('hex')
    const key = mediaKey(deviceId, message.id)
    // Not raced against the deadline: an upload that went on in the background would leave a file no record names. The S3 client bounds its own requests.
    await this.options.store.put(key, data, message.media?.mimetype ?? 'application/octet-stream')
    await this.options.kept.record({ deviceId, messageId: message.id, key, sha256, size: data.length, keptAt: Date.now() })
    const url = (await this.options.store.link(key)) ?? `/api/sessions/${encodeURIComponent(deviceId)}/messages/${encodeURIComponent(message.id)}/media`
    return { url, sha256 }
  }

  private async throttled<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= CONCURRENT_KEEPS) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.running++
    try {
      return await work()
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }
}
