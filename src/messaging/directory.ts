import { LRUCache } from 'lru-cache'
import { DomainError, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { GroupSummary } from '../sessions/whatsapp-port.js'
import { parseRecipient } from './recipient.js'

export interface NumberStatus {
  number: string
  jid: string
  exists: boolean
}

export const MAX_NUMBERS_PER_CHECK = 100

/** Who is on WhatsApp, and which groups a session is in. Number checks are cached, since each costs a query. */
export class Directory {
  private readonly known: LRUCache<string, boolean>

  constructor(
    private readonly manager: SessionManager,
    cacheTtlMs: number,
  ) {
    this.known = new LRUCache({ max: 50_000, ttl: cacheTtlMs })
  }

  async checkNumbers(deviceId: string, numbers: string[]): Promise<NumberStatus[]> {
    if (numbers.length === 0 || numbers.length > MAX_NUMBERS_PER_CHECK) {
      throw invalidInput(`numbers must list 1 to ${MAX_NUMBERS_PER_CHECK} phone numbers`)
    }
    const asked = numbers.map((number) => {
      const jid = parseRecipient(number)
      if (!jid.endsWith('@s.whatsapp.net')) throw invalidInput(`${number} is not a phone number`)
      return { number, jid }
    })
    const connection = this.manager.requireConnection(deviceId)
    const unknown = [...new Set(asked.map(({ jid }) => jid).filter((jid) => !this.known.has(jid)))]
    if (unknown.length > 0) {
      for (const { jid, exists } of await askWhatsApp(connection.checkNumbers(unknown))) this.known.set(jid, exists)
    }
    return asked.map(({ number, jid }) => ({ number, jid, exists: this.known.get(jid) ?? false }))
  }

  /** Whether a phone-number JID has WhatsApp, from the cache or one query. */
  async isOnWhatsApp(deviceId: string, jid: string): Promise<boolean> {
    const known = this.known.get(jid)
    if (known !== undefined) return known
    const [result] = await askWhatsApp(this.manager.requireConnection(deviceId).checkNumbers([jid]))
    const exists = result?.exists ?? false
    this.known.set(jid, exists)
    return exists
  }

  groups(deviceId: string): Promise<GroupSummary[]> {
    return askWhatsApp(this.manager.requireConnection(deviceId).groups())
  }
}

/** A query WhatsApp failed or timed out is a 502 with its reason, not an internal error. */
async function askWhatsApp<T>(query: Promise<T>): Promise<T> {
  try {
    return await query
  } catch (error) {
    throw new DomainError('upstream_failed', `WhatsApp did not answer: ${(error as Error).message}`)
  }
}
