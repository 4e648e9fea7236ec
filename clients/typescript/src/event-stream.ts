import { apiErrorOf, WhatsAppApiError } from './errors.js'
import type { EventEnvelope, EventType } from './event-types.js'
import { pause } from './pause.js'
import { backoffMs } from './retries.js'
import { serverSentEvents } from './server-sent-events.js'

export interface EventStreamOptions {
  /** Only this session's events (required with a session key). */
  deviceId?: string
  /** Only these types; without, every type but the opt-in ones (status.received). */
  types?: readonly EventType[]
  /** Resume after this event id (the id of the last event handled before a restart). */
  lastEventId?: string
  /** Ends the iteration. */
  signal?: AbortSignal
  /**
   * Called when the server no longer holds the events since the last id seen (it keeps its last
   * 1,000): some were missed, read them from the chats or webhook deliveries.
   */
  onGap?: (lastEventId: string) => void
  /** Called each time the stream is open: from then on, no event is missed. */
  onOpen?: () => void
  /** Called on each (re)connection attempt that failed, before waiting to try again. */
  onReconnect?: (error: unknown, attempt: number) => void
  /** A stream silent this long (not even the server's keepalive) is dead: reconnect (default 60 s). */
  idleTimeoutMs?: number
  /** Reconnect backoff bounds (default 500 ms, doubling up to 30 s). */
  minReconnectDelayMs?: number
  maxReconnectDelayMs?: number
}

/** Answers that will not change by reconnecting: a bad filter, a wrong or revoked key, no such session. */
const FINAL_STATUSES = new Set([400, 401, 403, 404])

export interface StreamConnection {
  /** The server's base URL (a path prefix is kept). */
  url: string
  headers: Record<string, string>
  /** One attempt; the stream does its own retrying. */
  fetch: typeof fetch
}

/**
 * The live event stream as an async iterator: reconnects by itself (with backoff, honouring
 * Retry-After) and resumes with Last-Event-ID, so no event is missed across a dropped connection
 * while the server still holds it. Throws WhatsAppApiError on answers reconnecting cannot fix.
 */
export async function* eventStream(connection: StreamConnection, options: EventStreamOptions = {}): AsyncGenerator<EventEnvelope> {
  const url = new URL(`${connection.url}/api/events`)
  if (options.deviceId !== undefined) url.searchParams.set('deviceId', options.deviceId)
  if (options.types !== undefined && options.types.length > 0) url.searchParams.set('types', options.types.join(','))
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000
  const minDelayMs = options.minReconnectDelayMs ?? 500
  const maxDelayMs = options.maxReconnectDelayMs ?? 30_000
  const stopped = new AbortController()
  const stop = (): void => stopped.abort()
  options.signal?.addEventListener('abort', stop, { once: true })
  if (options.signal?.aborted) stop()
  let lastEventId = options.lastEventId
  let failures = 0
  try {
    while (!stopped.signal.aborted) {
      const attempt = new AbortController()
      const abortAttempt = (): void => attempt.abort()
      stopped.signal.addEventListener('abort', abortAttempt, { once: true })
      let idle: ReturnType<typeof setTimeout> | undefined
      const stillAlive = (): void => {
        clearTimeout(idle)
        idle = setTimeout(abortAttempt, idleTimeoutMs)
      }
      try {
        stillAlive()
        const headers: Record<string, string> = { ...connection.headers, accept: 'text/event-stream' }
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
        const request = new Request(url, { headers, signal: attempt.signal })
        const response = await connection.fetch(request)
        if (!response.ok || response.body === null) {
          throw await apiErrorOf(request, response)
        }
        options.onOpen?.()
        for await (const message of serverSentEvents(tapped(response.body, stillAlive))) {
          // The server says where the stream stands (at the start, after a gap): resume from there.
          if (message.data === null) {
            if (message.id) lastEventId = message.id
            continue
          }
          if (message.event === 'gap') {
            if (lastEventId !== undefined) options.onGap?.(lastEventId)
            continue
          }
          const event = JSON.parse(message.data) as EventEnvelope
          lastEventId = event.id
          failures = 0
          // The consumer's own time is not the stream's silence.
          clearTimeout(idle)
          yield event
          stillAlive()
        }
        throw new Error('the server ended the event stream')
      } catch (error) {
        if (stopped.signal.aborted) return
        if (error instanceof WhatsAppApiError && FINAL_STATUSES.has(error.status)) throw error
        options.onReconnect?.(error, failures + 1)
        // Never sooner than the backoff, even when a proxy says Retry-After: 0.
        const retryAfterMs = error instanceof WhatsAppApiError ? (error.retryAfterSeconds ?? 0) * 1000 : 0
        await pause(Math.max(retryAfterMs, backoffMs(failures, minDelayMs, maxDelayMs)), stopped.signal)
        failures++
      } finally {
        clearTimeout(idle)
        stopped.signal.removeEventListener('abort', abortAttempt)
        attempt.abort()
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop)
  }
}

/** The body as it arrives, calling `onChunk` for every chunk (keepalives included). */
function tapped(body: ReadableStream<Uint8Array>, onChunk: () => void): ReadableStream<Uint8Array> {
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      onChunk()
      controller.enqueue(chunk)
    },
  }))
}
