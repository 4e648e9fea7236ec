import type { Config } from '../../config.js'
import type { EventTransport } from './event-transport.js'

/**
 * The broker transports the configuration enables (none by default). Each client library loads only
 * when its transport is enabled: loading them all would use up hidden-class transitions from the
 * empty object that the hot paths need (see whatsapp/protobuf-oneof.ts).
 */
export async function configuredTransports({ amqp, nats, redis }: Config['events']): Promise<EventTransport[]> {
  const transports: EventTransport[] = []
  if (amqp) transports.push((await import('./amqp-transport.js')).amqpTransport(amqp))
  if (nats) transports.push((await import('./nats-transport.js')).natsTransport(nats))
  if (redis) transports.push((await import('./redis-transport.js')).redisTransport(redis))
  return transports
}
