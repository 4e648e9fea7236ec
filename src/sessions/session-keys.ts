import { invalidInput, sessionNotFound } from '../errors.js'
import {
  apiKeyMatches,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  MAX_KEY_LENGTH,
  MIN_CUSTOM_KEY_LENGTH,
} from '../security/api-keys.js'
import type { SessionCatalog } from '../store/session-catalog.js'

/** Issues and checks per-session API keys. Only hashes are stored; a key is seen once, when issued. */
export class SessionKeys {
  constructor(
    private readonly sessions: SessionCatalog,
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

  /** True when the key belongs to this session. */
  async verify(deviceId: string, presented: string): Promise<boolean> {
    const record = this.readThrough ? await this.sessions.refresh(deviceId) : this.sessions.get(deviceId)
    const hash = record?.apiKeyHash
    return hash !== null && hash !== undefined && apiKeyMatches(presented, hash)
  }
}
