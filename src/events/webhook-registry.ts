import { randomBytes, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { invalidInput, sessionNotFound } from '../errors.js'
import type { SafeFetcher } from '../security/safe-fetch.js'
import type { WebhookRecord, WebhookRepository } from '../store/ports.js'
import type { SessionCatalog } from '../store/session-catalog.js'
import { isPublicEventType, type PublicEventType, wantsEventType } from './envelope.js'

export const GLOBAL_WEBHOOK_ID = 'global'
export const MAX_WEBHOOKS_PER_SESSION = 10
/** Webhooks kept by id for deliveries: the receivers events are flowing to now. */
const RESOLVED_CACHED = 1024

export interface WebhookTarget {
  id: string
  url: string
  secret: string
}

export interface GlobalWebhook {
  url: string
  secret: string
  events: PublicEventType[]
}

/** The global webhook from configuration and the per-session ones from the API; answers who gets an event. */
export class WebhookRegistry {
  private readonly cache = new Map<string, { hooks: WebhookRecord[]; loadedAt: number }>()
  /** Per session, how often its cached list was invalidated: a read that overlapped an invalidation is not cached. */
  private readonly invalidations = new Map<string, number>()
  /** Bumped by forgetAll: a read that overlapped it is not cached either. */
  private generation = 0
  /** Webhooks by id, as resolve() read them; a record never changes, so only its removal matters. */
  private readonly resolved = new LRUCache<string, { hook: WebhookRecord; loadedAt: number }>({ max: RESOLVED_CACHED })
  /** Bumped whenever a session's webhooks may have changed: a resolve() that overlapped it is not cached. */
  private resolveGeneration = 0
  private readonly globalTarget: (WebhookTarget & GlobalWebhook) | undefined

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly sessions: SessionCatalog,
    private readonly urls: SafeFetcher,
    global: GlobalWebhook | undefined,
    /** Hears of each webhook added or removed (to tell other nodes, whose caches must drop it). */
    private readonly changed: (deviceId: string) => void = () => undefined,
    /**
     * How long a session's cached webhooks serve deliveries. With several nodes a change made
     * elsewhere arrives as a notice, which can be lost: the cache then heals by itself this soon.
     */
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {
    this.globalTarget = global && { id: GLOBAL_WEBHOOK_ID, ...global }
  }

  async targetsFor(deviceId: string, type: PublicEventType): Promise<WebhookTarget[]> {
    const targets: WebhookTarget[] = []
    if (this.globalTarget && wantsEventType(this.globalTarget.events, type)) targets.push(this.globalTarget)
    for (const hook of await this.forDevice(deviceId)) if (wantsEventType(hook.events, type)) targets.push(hook)
    return targets
  }

  /** The webhook a delivery goes to, if it still exists; the same object while it stays cached. */
  async resolve(id: string): Promise<WebhookTarget | undefined> {
    if (id === GLOBAL_WEBHOOK_ID) return this.globalTarget
    const cached = this.resolved.get(id)
    if (cached && Date.now() - cached.loadedAt < this.maxAgeMs) return cached.hook
    const generation = this.resolveGeneration
    const loadedAt = Date.now()
    const hook = await this.webhooks.get(id)
    if (hook && generation === this.resolveGeneration) this.resolved.set(id, { hook, loadedAt })
    return hook
  }

  /** From the database: what a caller reads back is what any node last wrote. */
  list(deviceId: string): Promise<WebhookRecord[]> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    return this.webhooks.listForDevice(deviceId)
  }

  /** Registers a webhook; the secret is generated unless given, and shown to the caller only now. */
  async create(deviceId: string, input: { url: string; events?: string[]; secret?: string }): Promise<WebhookRecord> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    this.urls.validate(input.url, { allowHttp: true })
    const events = [...new Set(input.events ?? [])]
    const unknown = events.filter((event) => !isPublicEventType(event))
    if (unknown.length > 0) throw invalidInput(`Unknown event types: ${unknown.join(', ')}`)
    if ((await this.webhooks.listForDevice(deviceId)).length >= MAX_WEBHOOKS_PER_SESSION) {
      throw invalidInput(`A session can have at most ${MAX_WEBHOOKS_PER_SESSION} webhooks`)
    }
    const record: WebhookRecord = {
      id: `wh_${randomUUID().replace(/-/g, '')}`,
      deviceId,
      url: input.url,
      secret: input.secret ?? `whsec_${randomBytes(24).toString('base64')}`,
      events,
      createdAt: Date.now(),
    }
    await this.webhooks.create(record)
    this.forgetSession(deviceId)
    this.changed(deviceId)
    return record
  }

  async delete(deviceId: string, id: string): Promise<boolean> {
    const hook = await this.webhooks.get(id)
    if (!hook || hook.deviceId !== deviceId) return false
    await this.webhooks.delete(id)
    this.forgetSession(deviceId)
    this.changed(deviceId)
    return true
  }

  forgetSession(deviceId: string): void {
    this.cache.delete(deviceId)
    this.invalidations.set(deviceId, (this.invalidations.get(deviceId) ?? 0) + 1)
    const gone = [...this.resolved.entries()].filter(([, { hook }]) => hook.deviceId === deviceId).map(([id]) => id)
    for (const id of gone) this.resolved.delete(id)
    this.resolveGeneration++
  }

  /** Drops every cached list, and any being read now (notices from other nodes may have been missed). */
  forgetAll(): void {
    this.cache.clear()
    this.generation++
    this.resolved.clear()
    this.resolveGeneration++
  }

  private async forDevice(deviceId: string): Promise<WebhookRecord[]> {
    const cached = this.cache.get(deviceId)
    if (cached && Date.now() - cached.loadedAt < this.maxAgeMs) return cached.hooks
    const before = this.invalidations.get(deviceId) ?? 0
    const generation = this.generation
    const loadedAt = Date.now()
    const hooks = await this.webhooks.listForDevice(deviceId)
    if ((this.invalidations.get(deviceId) ?? 0) === before && this.generation === generation) this.cache.set(deviceId, { hooks, loadedAt })
    return hooks
  }
}
