import { fetchLatestWaWebVersion, type WAVersion } from '@whiskeysockets/baileys'
import type { Logger } from 'pino'

/**
 * The WhatsApp Web client version to announce: the pinned one when configured, else the latest
 * published one looked up with a short timeout, else the version bundled with Baileys (offline).
 */
export async function resolveWaVersion(
  pinned: [number, number, number] | undefined,
  lookupTimeoutMs: number,
  logger: Logger,
): Promise<WAVersion> {
  if (pinned) return pinned
  const { version, isLatest, error } = await fetchLatestWaWebVersion({ signal: AbortSignal.timeout(lookupTimeoutMs) })
  if (!isLatest) {
    logger.warn({ version: version.join('.'), reason: String((error as Error | undefined)?.message ?? error) },
      'could not look up the latest WhatsApp Web version; using the bundled one')
  }
  return version
}
