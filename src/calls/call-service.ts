import type { Logger } from 'pino'
import { DomainError, askWhatsApp } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { ttlCache } from '../ttl-cache.js'

/** How often one caller may get a session's rejectCallMessage (sending the same text in a loop risks a ban). */
export const CALLER_TEXT_INTERVAL_MS = 10 * 60_000

/** Sends a text through the outbox (paced, durable, once per idempotency key). */
export type TextSender = (request: { deviceId: string; number: string; message: string; queue: true; idempotencyKey: string }) => Promise<unknown>

/**
 * Incoming calls: they are announced as call.received; an application rejects the ones it will not
 * take, or a session rejects them all (rejectCalls) and texts the caller its rejectCallMessage.
 */
export class CallService {
  /** Callers texted lately, per session: someone who keeps calling gets the text once in a while, not once per call. */
  private readonly textedLately = ttlCache<string, true>({ max: 10_000, ttl: CALLER_TEXT_INTERVAL_MS })

  constructor(
    private readonly manager: SessionManager,
    private readonly sendText: TextSender,
  ) {}

  async reject(deviceId: string, callId: string): Promise<void> {
    const calls = this.manager.requireConnection(deviceId).calls
    if (!(await askWhatsApp(calls.reject(callId)))) {
      throw new DomainError('not_found', `No call "${callId}" is ringing on session "${deviceId}" (it ended, or was answered or rejected elsewhere)`)
    }
  }

  /** Rejects each call to a session whose settings say so, as it rings; the text goes through the outbox, to one caller at most every 10 minutes. */
  rejectAutomatically(bus: EventBus, logger: Logger): () => void {
    return bus.subscribe('call.received', ({ deviceId, callId, from }) => {
      const settings = this.manager.settings(deviceId)
      if (!settings?.rejectCalls) return
      void (async () => {
        await this.reject(deviceId, callId)
        const text = settings.rejectCallMessage
        const caller = `${deviceId}\u0000${from}`
        if (!text || this.textedLately.has(caller)) return
        this.textedLately.set(caller, true)
        await this.sendText({ deviceId, number: from, message: text, queue: true, idempotencyKey: `call-rejected:${callId}` })
      })().catch((error: unknown) => logger.warn({ err: error, deviceId, callId }, 'could not reject a call automatically'))
    })
  }
}
