import { connect, headers, type JetStreamClient, type NatsConnection } from 'nats'
import { BROKER_TIMEOUT_MS, type EventTransport, LazyConnection, within, withoutCredentials } from './event-transport.js'

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
        await manager.streams.info(stream).catch(() => manager.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] }))
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
    publish: async (events) => {
      try {
        let { nc, js } = await within(connection.get(), BROKER_TIMEOUT_MS, 'NATS')
        if (nc.isClosed()) {
          await connection.reset()
          ;({ nc, js } = await within(connection.get(), BROKER_TIMEOUT_MS, 'NATS'))
        }
        // Written in order on one connection; the acks may come back in any order.
        await Promise.all(events.map((event) => {
          const h = headers()
          h.set('Event-Id', event.id)
          h.set('Event-Type', event.type)
          h.set('Device-Id', event.deviceId)
          return js.publish(`${subjectPrefix}.${event.deviceId}.${event.type}`, Buffer.from(event.body), { msgID: event.id, headers: h })
        }))
      } catch (error) {
        await connection.reset()
        throw error
      }
    },
    close: () => connection.reset(),
  }
}
