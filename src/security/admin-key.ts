import type { SettingsRepository } from '../store/ports.js'
import { apiKeyMatches, generateApiKey, hashApiKey, type PresentedKey } from './api-keys.js'

const ADMIN_KEY_HASH_SETTING = 'admin_api_key_hash'

export interface AdminKeyCheck {
  matches(presented: PresentedKey): boolean
}

/**
 * The admin key is ADMIN_API_KEY when set. Otherwise one is generated on first start, handed to
 * `announce` once, and only its hash is kept, so it survives restarts without being stored.
 */
export async function resolveAdminKey(
  configured: string | undefined,
  settings: SettingsRepository,
  announce: (generatedKey: string) => void,
): Promise<AdminKeyCheck> {
  let hash: string
  if (configured !== undefined) {
    hash = hashApiKey(configured)
  } else {
    const stored = await settings.get(ADMIN_KEY_HASH_SETTING)
    if (stored !== undefined) {
      hash = stored
    } else {
      const generated = generateApiKey()
      // Nodes starting together on one database: the first stored key is everyone's; only its node tells it.
      hash = await settings.setIfAbsent(ADMIN_KEY_HASH_SETTING, hashApiKey(generated))
      if (hash === hashApiKey(generated)) announce(generated)
    }
  }
  return { matches: (presented) => apiKeyMatches(presented, hash) }
}
