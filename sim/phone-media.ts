import type { proto } from '@whiskeysockets/baileys'

/**
 * Media messages simulated contacts sent to accounts, by message id: the recipient account's
 * phone holds them and re-uploads one when a linked device finds its file gone.
 */
export class PhoneMedia {
  private readonly byId = new Map<string, { toPhone: string; message: proto.IMessage }>()

  remember(id: string, toPhone: string, message: proto.IMessage): void {
    this.byId.set(id, { toPhone, message })
  }

  /** The message, if `phoneNumber`'s phone received it. */
  find(phoneNumber: string, id: string): proto.IMessage | undefined {
    const held = this.byId.get(id)
    return held?.toPhone === phoneNumber ? held.message : undefined
  }
}
