import type { MessageRepository } from '../store/ports.js'

/**
 * What was sent under each message id, for re-sending it when a recipient's phone cannot decrypt
 * it and asks again (a retry receipt). That request can come back within milliseconds, before the
 * write that stores the content lands; the content is held in memory until then, else Baileys
 * finds nothing to re-send and the message never reaches that phone.
 */
export class SentContents {
  /** By session and message id: a session only ever reads its own messages, as from the database. */
  private readonly recording = new Map<string, Uint8Array>()
  /**
   * Messages on the wire whose record failed (the database was down): a recipient may still ask for
   * them again. The oldest go first past UNRECORDED_KEPT or UNRECORDED_BYTES.
   */
  private readonly unrecorded = new Map<string, Uint8Array>()
  private unrecordedBytes = 0

  constructor(private readonly messages: MessageRepository) {}

  /** Holds `encoded` for the message while `write` (the record of it) is under way, and after it if it fails. */
  async whileRecording<T>(deviceId: string, messageId: string, encoded: Uint8Array, write: Promise<T>): Promise<T> {
    const key = keyOf(deviceId, messageId)
    this.recording.set(key, encoded)
    try {
      const written = await write
      this.dropUnrecorded(key)
      return written
    } catch (error) {
      this.keepUnrecorded(key, encoded)
      throw error
    } finally {
      // A send of the same message again may hold newer bytes by now.
      if (this.recording.get(key) === encoded) this.recording.delete(key)
    }
  }

  private keepUnrecorded(key: string, encoded: Uint8Array): void {
    this.dropUnrecorded(key)
    this.unrecorded.set(key, encoded)
    this.unrecordedBytes += encoded.byteLength
    for (const oldest of this.unrecorded.keys()) {
      if (this.unrecorded.size <= UNRECORDED_KEPT && this.unrecordedBytes <= UNRECORDED_BYTES) break
      this.dropUnrecorded(oldest)
    }
  }

  private dropUnrecorded(key: string): void {
    const bytes = this.unrecorded.get(key)
    if (bytes === undefined) return
    this.unrecorded.delete(key)
    this.unrecordedBytes -= bytes.byteLength
  }

  /** The message as sent: from memory while its record is written (or if that failed), else from the database. */
  get(deviceId: string, messageId: string): Promise<Uint8Array | undefined> {
    const key = keyOf(deviceId, messageId)
    const held = this.recording.get(key) ?? this.unrecorded.get(key)
    return held ? Promise.resolve(held) : this.messages.waMessage(deviceId, messageId)
  }
}

/** Failed records kept for retries, over all sessions: at most this many, and this many bytes (a text may be 64 KB). */
const UNRECORDED_KEPT = 1_000
const UNRECORDED_BYTES = 8 * 1024 * 1024

const keyOf = (deviceId: string, messageId: string): string => `${deviceId}\u0000${messageId}`
