/** WhatsApp Business labels, as the WhatsApp engine offers them (see whatsapp-port.ts). */

/** A label as WhatsApp keeps it in the account's app state. */
export interface EngineLabel {
  /** WhatsApp's id: a small number as a string, unique within the account. */
  id: string
  name: string
  /** One of WhatsApp's 20 label colours, 0-19. */
  color: number
  /** Set on the labels WhatsApp Business creates itself ("New customer", "Paid", ...). */
  predefinedId: string | null
}

/** A change made on another device of the account (the phone). */
export type LabelEvent =
  | { kind: 'label-saved'; label: EngineLabel }
  | { kind: 'label-deleted'; labelId: string }
  | { kind: 'chat-labeled'; chat: string; labelId: string; labeled: boolean }

/** Labels are app-state patches shared with every device of the account. */
export interface Labels {
  /** Creates or changes a label. */
  save(label: EngineLabel): Promise<void>
  delete(label: EngineLabel): Promise<void>
  /** Puts a label on a chat, or takes it off. */
  setChatLabel(chat: string, labelId: string, labeled: boolean): Promise<void>
  /**
   * Fetches the account's labels from the start: WhatsApp replays every label and chat label, each
   * reported through onLabelEvent before this resolves. Rejects when the phone has not shared the
   * key for them yet.
   */
  resync(): Promise<void>
  /** Whether the linked account is a WhatsApp Business one (null when WhatsApp did not say). */
  isBusiness(): boolean | null
}
