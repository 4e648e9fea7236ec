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
  constructor(private readonly sessions: SessionCatalog) {}

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
  verify(deviceId: string, presented: string): boolean {
    const hash = this.sessions.get(deviceId)?.apiKeyHash
    return hash !== null && hash !== undefined && apiKeyMatches(presented, hash)
  }
}
