import { randomBytes } from 'node:crypto'
import { DomainError, invalidInput, sessionNotFound } from '../errors.js'
import {
  apiKeyMatches,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  MAX_KEY_LENGTH,
  MIN_CUSTOM_KEY_LENGTH,
  type PresentedKey,
} from '../security/api-keys.js'
import type { ScopedKeyRecord, ScopedKeyRepository, SessionRecord } from '../store/ports.js'
import type { SessionCatalog } from '../store/session-catalog.js'
import { checkedText } from '../text.js'

/** What a session's named keys may be allowed: send messages, read what the session holds, change it. */
export const KEY_SCOPES = ['send', 'read', 'manage'] as const
export type KeyScope = (typeof KEY_SCOPES)[number]
export const MAX_KEYS_PER_SESSION = 50
export const MAX_KEY_NAME = 64
/** A key's last use is written at most this often: a busy key must not cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000

/** Whether the presented key is the session's own key (constant time). */
function isOwnKey(record: SessionRecord | undefined, presented: PresentedKey): boolean {
  const hash = record?.apiKeyHash
  return hash !== null && hash !== undefined && apiKeyMatches(presented, hash)
}

/**
 * Issues and checks a session's keys: its own key (every scope) and named keys with scopes. Only
 * hashes are stored; a key is seen once, when issued. Named keys are read from the database at
 * each check, so a revoked one stops at once on every node.
 */
export class SessionKeys {
  constructor(
    private readonly sessions: SessionCatalog,
    private readonly scoped: ScopedKeyRepository,
    /**
     * With several nodes, another node may have just set or revoked the key, and its notice may not
     * have arrived: then every check reads the session from the database, so a key set anywhere
     * works everywhere at once and a replaced one stops at once.
     */
    private readonly readThrough = false,
  ) {}

  /** Sets a custom key or generates one; returns the key in full for the caller to keep. */
  async issue(deviceId: string, customKey?: string): Promise<string> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    if (customKey !== undefined) {
      if (customKey.length < MIN_CUSTOM_KEY_LENGTH || customKey.length > MAX_KEY_LENGTH) {
        throw invalidInput(`apiKey must be ${MIN_CUSTOM_KEY_LENGTH} to ${MAX_KEY_LENGTH} characters long`)
      }
      if (!/^[\x21-\x7e]+$/.test(customKey)) {
        throw invalidInput('apiKey may contain only printable ASCII characters without spaces')
      }
    }
    const key = customKey ?? generateApiKey()
    await this.sessions.setApiKey(deviceId, hashApiKey(key), apiKeyPrefix(key))
    return key
  }

  /**
   * With several nodes, re-reads the session from the database before a request acts on it, so
   * a session created, changed or deleted through another node whose notice this node missed is
   * neither a false 404 nor a stale answer. One primary-key read; a single node's copy is exact.
   */
  async confirmSession(deviceId: string): Promise<void> {
    if (this.readThrough) await this.sessions.refresh(deviceId)
  }

  /** What the key may do in this session: every scope for its own key, a named key's scopes, or null when it is not this session's. */
  async scopesOf(deviceId: string, presented: PresentedKey): Promise<readonly KeyScope[] | null> {
    const record = this.readThrough ? await this.sessions.refresh(deviceId) : this.sessions.get(deviceId)
    if (isOwnKey(record, presented)) return KEY_SCOPES
    return (await this.namedKey(presented, deviceId))?.scopes ?? null
  }

  /**
   * The session a key belongs to (its own key or a named key), for callers that present a key
   * without naming a session (MCP clients). In a cluster the database answers, as for scopesOf.
   */
  async sessionOf(presented: PresentedKey): Promise<string | undefined> {
    const named = await this.namedKey(presented)
    if (named) return named.deviceId
    const owner = this.readThrough
      ? await this.sessions.findByApiKeyHash(presented.hash)
      : this.sessions.list().find((record) => isOwnKey(record, presented))
    return owner?.deviceId
  }

  /** The named key presented, if it is one (of this session, when named), with its known scopes; notes its use. */
  private async namedKey(presented: PresentedKey, ofSession?: string): Promise<{ deviceId: string; scopes: KeyScope[] } | undefined> {
    const named = await this.scoped.findByHash(presented.hash)
    if (!named || (ofSession !== undefined && named.deviceId !== ofSession)) return undefined
    const now = Date.now()
    if (named.lastUsedAt === null || now - named.lastUsedAt >= LAST_USED_RESOLUTION_MS) await this.scoped.touch(named.id, now)
    return { deviceId: named.deviceId, scopes: named.scopes.filter((scope): scope is KeyScope => (KEY_SCOPES as readonly string[]).includes(scope)) }
  }

  /** A new named key with these scopes; returns its record and the key in full, shown this once. */
  async create(deviceId: string, name: string, scopes: readonly KeyScope[]): Promise<{ record: ScopedKeyRecord; apiKey: string }> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    const trimmed = checkedText(name, 'name', MAX_KEY_NAME)
    const unique = KEY_SCOPES.filter((scope) => scopes.includes(scope))
    if (unique.length === 0) throw invalidInput(`scopes must name at least one of ${KEY_SCOPES.join(', ')}`)
    if ((await this.scoped.list(deviceId)).length >= MAX_KEYS_PER_SESSION) {
      throw new DomainError('conflict', `A session has at most ${MAX_KEYS_PER_SESSION} named keys; revoke one first`)
    }
    const apiKey = generateApiKey()
    const record: ScopedKeyRecord = {
      id: `key_${randomBytes(8).toString('hex')}`,
      deviceId,
      name: trimmed,
      scopes: unique,
      keyHash: hashApiKey(apiKey),
      keyPrefix: apiKeyPrefix(apiKey),
      createdAt: Date.now(),
      lastUsedAt: null,
    }
    await this.scoped.insert(record)
    return { record, apiKey }
  }

  async list(deviceId: string): Promise<ScopedKeyRecord[]> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    return this.scoped.list(deviceId)
  }

  async revoke(deviceId: string, keyId: string): Promise<void> {
    if (!this.sessions.get(deviceId)) throw sessionNotFound(deviceId)
    if (!(await this.scoped.delete(deviceId, keyId))) throw new DomainError('not_found', `Session "${deviceId}" has no key ${keyId}`)
  }
}
