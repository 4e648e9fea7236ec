import { getBinaryNodeChild, getBinaryNodeChildren, type BinaryNode } from '@whiskeysockets/baileys'

/**
 * Trusted-contact privacy tokens the linked devices issued to contacts (<iq xmlns="privacy"
 * type="set"><tokens>), counted per account. WhatsApp Web issues one per contact every 7 days.
 */
export class PrivacyTokens {
  private readonly issued = new Map<string, number>()

  /** Records the tokens an account's device issued in one iq. */
  record(phoneNumber: string, iq: BinaryNode): void {
    const tokens = getBinaryNodeChildren(getBinaryNodeChild(iq, 'tokens'), 'token')
    if (tokens.length) this.issued.set(phoneNumber, this.count(phoneNumber) + tokens.length)
  }

  count(phoneNumber: string): number {
    return this.issued.get(phoneNumber) ?? 0
  }
}
