import type { Config } from '../../config.js'
import { amqpTransport } from './amqp-transport.js'
import type { EventTransport } from './event-transport.js'
import { natsTransport } from './nats-transport.js'
import { redisTransport } from './redis-transport.js'

/** The broker transports the configuration enables (none by default). */
export function configuredTransports({ amqp, nats, redis }: Config['events']): EventTransport[] {
  return [
    ...(amqp ? [amqpTransport(amqp)] : []),
    ...(nats ? [natsTransport(nats)] : []),
    ...(redis ? [redisTransport(redis)] : []),
  ]
}
