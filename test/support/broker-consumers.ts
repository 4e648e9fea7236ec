import { connect as amqpConnect } from 'amqplib'
import { Redis } from 'ioredis'
import { connect as natsConnect } from 'nats'

/** One event as a consumer took it off a broker, with what the broker carried beside the body. */
export interface Consumed {
  envelope: { id: string; type: string; deviceId: string; data: Record<string, any> }
  /** The broker's own view: routing key, subject or stream fields, message id header. */
  meta: Record<string, unknown>
}

/** Where one server publishes (unique per test or bench run, so runs never see each other's events). */
export interface BrokerNames {
  exchange: string
  stream: string
  subjects: string
  redisKey: string
}

export interface BrokerConsumers {
  /** Everything the RabbitMQ queue bound to the exchange received so far. */
  amqp(): Consumed[]
  nats(): Promise<Consumed[]>
  natsCount(): Promise<number>
  redis(): Promise<Consumed[]>
  redisCount(): Promise<number>
  /** Removes the exchange, stream and key, and disconnects. */
  close(): Promise<void>
}

/**
 * Consumers on the machine's RabbitMQ, NATS and Redis with their ordinary client libraries,
 * connected directly (never through a test's proxies).
 */
export async function startBrokerConsumers(names: BrokerNames): Promise<BrokerConsumers> {
  const amqp = await amqpConnect('amqp://guest:guest@127.0.0.1:5672')
  const channel = await amqp.createChannel()
  await channel.assertExchange(names.exchange, 'topic', { durable: true })
  const { queue } = await channel.assertQueue('', { exclusive: true })
  await channel.bindQueue(queue, names.exchange, '#')
  const fromAmqp: Consumed[] = []
  await channel.consume(queue, (message) => {
    if (!message) return
    fromAmqp.push({
      envelope: JSON.parse(message.content.toString('utf8')),
      meta: { routingKey: message.fields.routingKey, messageId: message.properties.messageId, type: message.properties.type, persistent: message.properties.deliveryMode === 2 },
    })
  }, { noAck: true })
  const nats = await natsConnect({ servers: '127.0.0.1:4222' })
  const jsm = await nats.jetstreamManager()
  const redis = new Redis(6379, '127.0.0.1')
  return {
    amqp: () => fromAmqp,
    nats: async () => {
      const info = await jsm.streams.info(names.stream).catch(() => undefined)
      const consumed: Consumed[] = []
      for (let seq = info?.state.first_seq ?? 1; info && seq <= info.state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(names.stream, { seq })
        consumed.push({ envelope: message.json(), meta: { subject: message.subject, msgId: message.header.get('Nats-Msg-Id') } })
      }
      return consumed
    },
    natsCount: async () => (await jsm.streams.info(names.stream).catch(() => undefined))?.state.messages ?? 0,
    redis: async () =>
      (await redis.xrange(names.redisKey, '-', '+')).map(([, fields]) => {
        const field = (name: string) => fields[fields.indexOf(name) + 1]
        return { envelope: JSON.parse(field('data')!), meta: { id: field('id'), type: field('type'), deviceId: field('deviceId') } }
      }),
    redisCount: () => redis.xlen(names.redisKey),
    close: async () => {
      await channel.deleteExchange(names.exchange).catch(() => undefined)
      await amqp.close()
      await jsm.streams.delete(names.stream).catch(() => undefined)
      await nats.close()
      await redis.del(names.redisKey)
      redis.disconnect()
    },
  }
}

/** The server's environment for publishing to the consumers' brokers, each reached through the given port (a proxy or the broker itself). */
export function brokerEnv(names: BrokerNames, ports: { amqp: number; nats: number; redis: number }): Record<string, string> {
  return {
    EVENTS_AMQP_URL: `amqp://guest:guest@127.0.0.1:${ports.amqp}`,
    EVENTS_AMQP_EXCHANGE: names.exchange,
    EVENTS_NATS_URL: `nats://127.0.0.1:${ports.nats}`,
    EVENTS_NATS_STREAM: names.stream,
    EVENTS_NATS_SUBJECT_PREFIX: names.subjects,
    EVENTS_REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    EVENTS_REDIS_STREAM: names.redisKey,
  }
}

/** Names no other run uses. */
export function uniqueBrokerNames(run: string): BrokerNames {
  return { exchange: `wa-test-${run}`, stream: `WA_TEST_${run}`, subjects: `watest${run}`, redisKey: `wa-test:${run}` }
}
