import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { EventBus } from '../events/event-bus.js'
import type { KeptMediaRepository } from '../store/ports.js'
import { localMediaStore } from './local-media-store.js'
import { MediaKeeper } from './media-keeper.js'
import type { KeptFiles } from './media-store.js'

export interface KeptMedia {
  /** The store and the records naming its files. */
  files: KeptFiles
  /** Set when MEDIA_AUTO_DOWNLOAD names any kind. */
  keeper: MediaKeeper | undefined
  /** Stops removing deleted sessions' files. */
  stop: () => void
}

/**
 * The media store MEDIA_STORAGE names (the AWS SDK loads only for S3: see
 * events/transports/configured-transports.ts for why), the keeper feeding it, and the removal of a
 * deleted session's files.
 */
export async function keptMedia(
  config: Config,
  records: KeptMediaRepository,
  download: (deviceId: string, raw: Uint8Array) => Promise<NodeJS.ReadableStream> | undefined,
  bus: EventBus,
  logger: Logger,
): Promise<KeptMedia> {
  const { media } = config
  const store = media.storage.kind === 's3'
    ? (await import('./s3-media-store.js')).s3MediaStore(media.storage, media.urlTtlSeconds)
    : localMediaStore(join(config.dataDir, 'media'))
  const keeper = media.autoDownload.length === 0
    ? undefined
    : new MediaKeeper({ kinds: media.autoDownload, store, kept: records, maxBytes: media.maxBytes, attemptTimeoutMs: media.fetchTimeoutMs, download, logger })
  const stop = bus.subscribe('session.deleted', ({ deviceId }) => {
    store.deleteSession(deviceId).catch((error: unknown) => logger.warn({ err: error, deviceId }, 'could not remove a deleted session\'s kept media'))
  })
  return { files: { records, store }, keeper, stop }
}
