import type { Logger } from 'pino'
import { askingWhatsApp, conflict, DomainError, invalidInput, sessionNotFound } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import { parseRecipient } from '../messaging/recipient.js'
import { KeyedLock } from '../sessions/keyed-lock.js'
import type { EngineLabel, LabelEvent, Labels } from '../sessions/labels-port.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { LabelRecord, LabelRepository } from '../store/ports.js'

/** WhatsApp Business offers 20 colours (0-19) and keeps at most 20 labels per account. */
export const LABEL_COLORS = 20
export const MAX_LABELS = 20
export const MAX_LABEL_NAME_LENGTH = 100

/** What label.updated carries: a label saved or deleted, or put on or taken off a chat. */
export type LabelChange =
  | { change: 'saved'; label: EngineLabel }
  | { change: 'deleted'; labelId: string }
  | { change: 'chat-labeled' | 'chat-unlabeled'; chat: string; labelId: string }

export interface LabelInput {
  name?: string
  color?: number
}

function checkedName(name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_LABEL_NAME_LENGTH) throw invalidInput(`name must be 1 to ${MAX_LABEL_NAME_LENGTH} characters`)
  return trimmed
}

function engineLabel({ id, name, color, predefinedId }: LabelRecord): EngineLabel {
  return { id, name, color, predefinedId }
}

/** The next free id: WhatsApp numbers labels 1, 2, 3, ... per account. */
function nextId(labels: LabelRecord[]): string {
  return String(labels.reduce((highest, label) => Math.max(highest, Number(label.id) || 0), 0) + 1)
}

/**
 * WhatsApp Business labels: kept in the database as the account's devices last described them
 * (WhatsApp has no query for them; they arrive in the app state after linking), changed through
 * the session's socket and stored at once, since a device never hears its own app-state writes.
 */
export class LabelService {
  /** One change at a time per session: ids are handed out from what is stored. */
  private readonly writes = new KeyedLock()

  constructor(
    private readonly manager: SessionManager,
    private readonly labels: LabelRepository,
    private readonly bus: EventBus,
  ) {}

  list(deviceId: string): Promise<LabelRecord[]> {
    this.requireSession(deviceId)
    return this.labels.list(deviceId)
  }

  async get(deviceId: string, labelId: string): Promise<LabelRecord & { chats: string[] }> {
    const label = await this.requireLabel(deviceId, labelId)
    return { ...label, chats: await this.labels.chatsWith(deviceId, labelId) }
  }

  create(deviceId: string, input: Required<LabelInput>): Promise<LabelRecord> {
    return this.change(deviceId, async (engine) => {
      const existing = await this.labels.list(deviceId)
      if (existing.length >= MAX_LABELS) throw conflict(`WhatsApp Business keeps at most ${MAX_LABELS} labels; delete one first`)
      const label: EngineLabel = { id: nextId(existing), name: this.uniqueName(existing, input.name), color: input.color, predefinedId: null }
      await engine.save(label)
      await this.store(deviceId, { change: 'saved', label }, 'api')
      return { ...label, chatCount: 0 }
    })
  }

  update(deviceId: string, labelId: string, input: LabelInput): Promise<LabelRecord> {
    return this.change(deviceId, async (engine) => {
      const current = await this.requireLabel(deviceId, labelId)
      const others = (await this.labels.list(deviceId)).filter((label) => label.id !== labelId)
      const label: EngineLabel = {
        ...engineLabel(current),
        ...(input.name !== undefined ? { name: this.uniqueName(others, input.name) } : {}),
        ...(input.color !== undefined ? { color: input.color } : {}),
      }
      await engine.save(label)
      await this.store(deviceId, { change: 'saved', label }, 'api')
      return { ...label, chatCount: current.chatCount }
    })
  }

  delete(deviceId: string, labelId: string): Promise<void> {
    return this.change(deviceId, async (engine) => {
      await engine.delete(engineLabel(await this.requireLabel(deviceId, labelId)))
      await this.store(deviceId, { change: 'deleted', labelId }, 'api')
    })
  }

  async labelsOfChat(deviceId: string, chatInput: string): Promise<string[]> {
    this.requireSession(deviceId)
    return this.labels.labelsOf(deviceId, parseRecipient(chatInput))
  }

  /** Gives the chat exactly these labels: the ones it lacks are put on, the others taken off. */
  setChatLabels(deviceId: string, chatInput: string, labelIds: string[]): Promise<string[]> {
    const chat = parseRecipient(chatInput)
    if (new Set(labelIds).size !== labelIds.length) throw invalidInput('labelIds must not list the same label twice')
    return this.change(deviceId, async (engine) => {
      const known = new Set((await this.labels.list(deviceId)).map((label) => label.id))
      const unknown = labelIds.filter((id) => !known.has(id))
      if (unknown.length > 0) throw new DomainError('not_found', `Session "${deviceId}" has no label ${unknown.join(', ')}`)
      const current = await this.labels.labelsOf(deviceId, chat)
      for (const labelId of labelIds.filter((id) => !current.includes(id))) {
        await engine.setChatLabel(chat, labelId, true)
        await this.store(deviceId, { change: 'chat-labeled', chat, labelId }, 'api')
      }
      for (const labelId of current.filter((id) => !labelIds.includes(id))) {
        await engine.setChatLabel(chat, labelId, false)
        await this.store(deviceId, { change: 'chat-unlabeled', chat, labelId }, 'api')
      }
      return this.labels.labelsOf(deviceId, chat)
    })
  }

  /** Records the label changes other devices of each session make, in the order they made them. */
  listen(logger: Logger): () => void {
    const inOrder = new KeyedLock()
    return this.bus.subscribe('engine.label-event', ({ deviceId, event }) => {
      inOrder
        .run(deviceId, () => this.store(deviceId, labelChange(event), 'device'))
        .catch((error: unknown) => logger.error({ err: error, deviceId }, 'could not store a label change made on another device'))
    })
  }

  private async store(deviceId: string, change: LabelChange, origin: 'api' | 'device'): Promise<void> {
    switch (change.change) {
      case 'saved':
        await this.labels.save(deviceId, change.label)
        break
      case 'deleted':
        await this.labels.delete(deviceId, change.labelId)
        break
      default:
        await this.labels.setChatLabel(deviceId, change.chat, change.labelId, change.change === 'chat-labeled')
    }
    this.bus.publish('label.updated', { deviceId, origin, ...change })
  }

  private async change<T>(deviceId: string, apply: (engine: Labels) => Promise<T>): Promise<T> {
    const engine = this.manager.requireConnection(deviceId).labels
    if (engine.isBusiness() === false) throw conflict('Labels are a WhatsApp Business feature; this account is not a business account')
    return this.writes.run(deviceId, () => apply(askingWhatsApp(engine)))
  }

  private uniqueName(others: LabelRecord[], name: string): string {
    const checked = checkedName(name)
    if (others.some((label) => label.name.toLowerCase() === checked.toLowerCase())) throw conflict(`A label named "${checked}" exists already`)
    return checked
  }

  private async requireLabel(deviceId: string, labelId: string): Promise<LabelRecord> {
    this.requireSession(deviceId)
    const label = await this.labels.get(deviceId, labelId)
    if (!label) throw new DomainError('not_found', `Session "${deviceId}" has no label "${labelId}"`)
    return label
  }

  private requireSession(deviceId: string): void {
    if (!this.manager.exists(deviceId)) throw sessionNotFound(deviceId)
  }
}

function labelChange(event: LabelEvent): LabelChange {
  switch (event.kind) {
    case 'label-saved':
      return { change: 'saved', label: event.label }
    case 'label-deleted':
      return { change: 'deleted', labelId: event.labelId }
    case 'chat-labeled':
      return { change: event.labeled ? 'chat-labeled' : 'chat-unlabeled', chat: event.chat, labelId: event.labelId }
  }
}
