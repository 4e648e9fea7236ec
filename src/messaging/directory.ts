import type { LRUCache } from 'lru-cache'
import { askWhatsApp, invalidInput } from '../errors.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { ttlCache } from '../ttl-cache.js'
import { parseRecipient } from './recipient.js'

export interface NumberStatus {
  number: string
  jid: string
  exists: boolean
}

export const MAX_NUMBERS_PER_CHECK = 100

/** Who is on WhatsApp. Number checks are cached, since each costs a query. */
export class Directory {
  private readonly known: LRUCache<string, boolean>

  constructor(
    private readonly manager: SessionManager,
    cacheTtlMs: number,
  ) {
    this.known = ttlCache({ max: 50_000, ttl: cacheTtlMs })
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
    this.manager.requireConnection(deviceId)
    const answers = await this.lookUp(deviceId, asked.map(({ jid }) => jid))
    return asked.map(({ number, jid }) => ({ number, jid, exists: answers.get(jid) ?? false }))
  }

  /** Whether a phone-number JID has WhatsApp, from the cache or one query. */
  async isOnWhatsApp(deviceId: string, jid: string): Promise<boolean> {
    return (await this.lookUp(deviceId, [jid])).get(jid) ?? false
  }

  /** Answers from the cache, asking WhatsApp once (and caching) for the numbers it does not know. */
  private async lookUp(deviceId: string, jids: string[]): Promise<Map<string, boolean>> {
    const answers = new Map<string, boolean>()
    const unknown: string[] = []
    for (const jid of new Set(jids)) {
      const known = this.known.get(jid)
      if (known === undefined) unknown.push(jid)
      else answers.set(jid, known)
    }
    if (unknown.length > 0) {
      const results = await askWhatsApp(this.manager.requireConnection(deviceId).checkNumbers(unknown))
      const found = new Map(results.map(({ jid, exists }) => [jid, exists]))
      for (const jid of unknown) {
        const exists = found.get(jid) ?? false
        this.known.set(jid, exists)
        answers.set(jid, exists)
      }
    }
    return answers
  }
}
