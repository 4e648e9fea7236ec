import { connect, headers, type JetStreamClient, nanos, type NatsConnection } from 'nats'
import { BROKER_TIMEOUT_MS, type EventTransport, LazyConnection, PartialPublish, withoutCredentials } from './event-transport.js'

/** Room left in max_payload for the subject and headers. */
const HEADROOM_BYTES = 1024
/** How long JetStream remembers an event id: a re-publish after a crash, a restart and retries falls within it. */
const DUPLICATE_WINDOW_MS = 3_600_000

export interface NatsOptions {
  url: string
  /** A JetStream stream over `<subjectPrefix>.>`, created if missing. */
  stream: string
  /** The first subject token (whatsapp). */
  subjectPrefix: string
}

/**
 * NATS JetStream: subject `whatsapp.<deviceId>.<type>` (another prefix if configured), the event id as Nats-Msg-Id so the stream
 * drops a re-publish of the same event (within its duplicate window), each publish acknowledged.
 */
export function natsTransport({ url, stream, subjectPrefix }: NatsOptions): EventTransport {
  const connection = new LazyConnection<{ nc: NatsConnection; js: JetStreamClient }>(
    'NATS',
    async () => {
      const parsed = new URL(url)
      const nc = await connect({
        servers: `${parsed.hostname}:${parsed.port || 4222}`,
        ...(parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : {}),
        timeout: BROKER_TIMEOUT_MS,
        // A lost connection is opened again by the next publish, which the dispatcher retries.
        reconnect: false,
      })
      try {
        const manager = await nc.jetstreamManager()
        await manager.streams.info(stream).catch(() =>
          manager.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`], duplicate_window: nanos(DUPLICATE_WINDOW_MS) }))
      } catch (error) {
        await nc.close()
        throw error
      }
      return { nc, js: nc.jetstream({ timeout: BROKER_TIMEOUT_MS }) }
    },
    async ({ nc }) => nc.close(),
  )
  return {
    id: 'nats',
    target: `${withoutCredentials(url)} stream ${stream}`,
    publish: (events) =>
      connection.use(async ({ nc, js }) => {
        if (nc.isClosed()) throw new Error('the NATS connection closed')
        // An event the server would refuse for its size goes no further, and neither do the ones after it.
        const limit = nc.info?.max_payload ?? Infinity
        const oversized = events.findIndex((event) => Buffer.byteLength(event.body) > limit - HEADROOM_BYTES)
        const publishable = oversized < 0 ? events : events.slice(0, oversized)
        // All in flight at once, written in order on one connection and stored in that order. What
        // counts is the prefix acknowledged before the first failure: the rest is published again
        // (JetStream drops the copies it already has by Nats-Msg-Id).
        const acks = await Promise.allSettled(publishable.map((event) => {
          const h = headers()
          h.set('Event-Id', event.id)
          h.set('Event-Type', event.type)
          h.set('Device-Id', event.deviceId)
          return js.publish(`${subjectPrefix}.${event.deviceId}.${event.type}`, Buffer.from(event.body), { msgID: event.id, headers: h })
        }))
        const failed = acks.findIndex((ack) => ack.status === 'rejected')
        if (failed >= 0) throw new PartialPublish(failed, (acks[failed] as PromiseRejectedResult).reason)
        if (oversized >= 0) throw new PartialPublish(oversized, new Error(`event ${events[oversized]!.id} is larger than the NATS server's max_payload (${limit} bytes)`), true)
      }),
    close: () => connection.close(),
  }
}
