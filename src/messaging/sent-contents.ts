import type { MessageRepository } from '../store/ports.js'

/**
 * What was sent under each message id, for re-sending it when a recipient's phone cannot decrypt
 * it and asks again (a retry receipt). That request can come back within milliseconds, before the
 * write that stores the content lands; the content is held in memory until then, else Baileys
 * finds nothing to re-send and the message never reaches that phone.
 */
export class SentContents {
  private readonly recording = new Map<string, Uint8Array>()

  constructor(private readonly messages: MessageRepository) {}

  /** Holds `encoded` for `id` while `write` (the record of it) is under way. */
  async whileRecording<T>(id: string, encoded: Uint8Array, write: Promise<T>): Promise<T> {
    this.recording.set(id, encoded)
    try {
      return await write
    } finally {
      this.recording.delete(id)
    }
  }

  /** The message as sent: from memory while its record is written, else from the database. */
  get(deviceId: string, messageId: string): Promise<Uint8Array | undefined> {
    const held = this.recording.get(messageId)
    return held ? Promise.resolve(held) : this.messages.waMessage(deviceId, messageId)
  }
}
