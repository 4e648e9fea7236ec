import type { Logger } from 'pino'
import { askingWhatsApp, conflict, DomainError, invalidInput, sessionNotFound } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import { parseRecipient } from '../messaging/recipient.js'
import { checkedText } from '../text.js'
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

function engineLabel({ id, name, color, predefinedId }: LabelRecord): EngineLabel {
  return { id, name, color, predefinedId }
}

/** The next free id: WhatsApp numbers labels 1, 2, 3, ... per account. */
function nextId(labels: LabelRecord[]): string {
  return String(labels.reduce((highest, label) => Math.max(highest, Number(label.id) || 0), 0) + 1)
}

/**
 * WhatsApp Business labels: kept in the database as the account's devices last described them
 * (WhatsApp has no query for them; they come in the app state), changed through the session's
 * socket and stored at once, since a device never hears its own app-state writes. Before the first
 * change, and on the first read while connected, a session fetches its account's labels whole
 * once (sessions linked before labels existed here, or relinked to another account, hold none or
 * stale ones): new ids must not overwrite labels made on the phone.
 */
export class LabelService {
  /** Per session, one step at a time: changes made here and on the phone are stored in order, and ids handed out from what is stored. */
  private readonly steps = new KeyedLock()
  /** Per session, the fetch of its labels under way. */
  private readonly syncing = new Map<string, Promise<void>>()

  constructor(
    private readonly manager: SessionManager,
    private readonly labels: LabelRepository,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async list(deviceId: string): Promise<LabelRecord[]> {
    this.requireSession(deviceId)
    await this.syncIfConnected(deviceId)
    return this.labels.list(deviceId)
  }

  async get(deviceId: string, labelId: string): Promise<LabelRecord & { chats: string[] }> {
    this.requireSession(deviceId)
    await this.syncIfConnected(deviceId)
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
    const chat = parseRecipient(chatInput)
    this.requireSession(deviceId)
    await this.syncIfConnected(deviceId)
    return this.labels.labelsOf(deviceId, chat)
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
  listen(): () => void {
    return this.bus.subscribe('engine.label-event', ({ deviceId, event }) => {
      this.steps
        .run(deviceId, () => this.store(deviceId, labelChange(event), 'device'))
        .catch((error: unknown) => this.logger.error({ err: error, deviceId }, 'could not store a label change made on another device'))
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
    await this.sync(deviceId, engine)
    return this.steps.run(deviceId, () => apply(askingWhatsApp(engine)))
  }

  /** Reads fetch the labels first where the session runs here and has not yet; one that cannot yet answers what is stored. */
  private async syncIfConnected(deviceId: string): Promise<void> {
    const engine = this.manager.liveConnection(deviceId)?.labels
    if (!engine || engine.isBusiness() === false) return
    await this.sync(deviceId, engine).catch((error: unknown) => this.logger.debug({ err: error, deviceId }, 'labels not fetched yet'))
  }

  /** Fetches the account's labels whole, unless they were for the account linked now; concurrent callers share one fetch. */
  private async sync(deviceId: string, engine: Labels): Promise<void> {
    const account = this.manager.get(deviceId).phoneNumber
    if (!account || (await this.labels.syncedAccount(deviceId)) === account) return
    let running = this.syncing.get(deviceId)
    if (!running) {
      running = (async () => {
        await this.steps.run(deviceId, () => this.labels.clear(deviceId))
        await askingWhatsApp(engine).resync()
        // Queued behind the replayed labels, so they are all stored when this runs.
        await this.steps.run(deviceId, () => this.labels.markSynced(deviceId, account))
      })().finally(() => this.syncing.delete(deviceId))
      this.syncing.set(deviceId, running)
    }
    await running
  }

  private uniqueName(others: LabelRecord[], name: string): string {
    const checked = checkedText(name, 'name', MAX_LABEL_NAME_LENGTH)
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
