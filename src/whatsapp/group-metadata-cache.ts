import type { GroupMetadata } from '@whiskeysockets/baileys'
import { ttlCache } from '../ttl-cache.js'

/** One session's view of the shared group metadata cache. */
export interface GroupMetadataCache {
  get(jid: string): GroupMetadata | undefined
  set(jid: string, metadata: GroupMetadata): void
  delete(jid: string): void
}

/** Participants held over all sessions: a 1,000-member group costs about 200 KB. */
const MAX_PARTICIPANTS = 200_000
/** A safety net: notifications keep entries current, but a device offline for long may have missed some. */
const TTL_MS = 30 * 60_000

/**
 * Group metadata for every session in one bounded LRU (sized by participants). Each socket gets a
 * fresh generation of its session's keys: what an earlier socket cached (maybe stale, as another node
 * may have run the session meanwhile) is never read again and ages out, with no scan over the cache.
 */
export function createGroupMetadataCaches(): (deviceId: string) => GroupMetadataCache {
  const entries = ttlCache<string, GroupMetadata>({
    maxSize: MAX_PARTICIPANTS,
    sizeCalculation: (metadata) => 1 + metadata.participants.length,
    ttl: TTL_MS,
    // A patched entry keeps its first deadline: busy groups are re-read too, in case a notification was missed.
    noUpdateTTL: true,
  })
  let generation = 0
  return (deviceId) => {
    generation += 1
    const prefix = `${deviceId}\u0000${generation}\u0000`
    return {
      get: (jid) => entries.get(prefix + jid),
      set: (jid, metadata) => void entries.set(prefix + jid, metadata),
      delete: (jid) => void entries.delete(prefix + jid),
    }
  }
}
