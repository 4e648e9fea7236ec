import type { Readable } from 'node:stream'
import type { KeptMediaRepository } from '../store/ports.js'

/** Where received media are kept once downloaded: files under DATA_DIR, or an S3-compatible bucket. */
export interface MediaStore {
  readonly kind: 'local' | 's3'
  put(key: string, data: Buffer, mimetype: string): Promise<void>
  /** The file, or undefined when it is not (or no longer) there. */
  get(key: string): Promise<Readable | undefined>
  delete(keys: readonly string[]): Promise<void>
  /** A link to the file for an event: presigned (S3), or null where the server's own media route serves it. */
  link(key: string): Promise<string | null>
  /** Removes every file of a session (deleted). */
  deleteSession(deviceId: string): Promise<void>
}

/** One path segment from an id the sender chose: URL-encoded, dots too, so "." and ".." name nothing but themselves. */
const segment = (id: string): string => encodeURIComponent(id).replace(/\./g, '%2E')

/** The key of one message's file: its session's folder, then the message. */
export const mediaKey = (deviceId: string, messageId: string): string => `${segment(deviceId)}/${segment(messageId)}`

/** The prefix of every file of a session. */
export const sessionPrefix = (deviceId: string): string => `${segment(deviceId)}/`

/** Kept files and the records naming them, as the media route and retention use them together. */
export interface KeptFiles {
  records: KeptMediaRepository
  store: MediaStore
}
