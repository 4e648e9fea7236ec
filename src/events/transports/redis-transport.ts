import { Redis } from 'ioredis'
import { within } from '../../time.js'
import { BROKER_TIMEOUT_MS, type EventTransport, LazyConnection, PartialPublish, withoutCredentials } from './event-transport.js'

export interface RedisOptions {
  url: string
  /** The stream key. */
  stream: string
  /** Approximate MAXLEN kept in the stream. */
  maxLen: number
}

/**
 * Redis Streams: one XADD per event (fields id, type, deviceId, data), trimmed to about maxLen
 * entries; a batch is one pipeline, and counts once Redis answered every XADD.
 */
export function redisTransport({ url, stream, maxLen }: RedisOptions): EventTransport {
  const connection = new LazyConnection<Redis>(
    'Redis',
    async () => {
      // No reconnecting or queueing inside the client: a command while Redis is away fails at once and the dispatcher retries.
      const redis = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: BROKER_TIMEOUT_MS,
        commandTimeout: BROKER_TIMEOUT_MS,
      })
      redis.on('error', () => undefined)
      try {
        await redis.connect()
      } catch (error) {
        redis.disconnect()
        throw error
      }
      return redis
    },
    async (redis) => void redis.disconnect(),
  )
  return {
    id: 'redis',
    target: `${withoutCredentials(url)} stream ${stream}`,
    publish: (events) =>
      connection.use(async (redis) => {
        if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`)
        const pipeline = redis.pipeline()
        for (const event of events) {
          pipeline.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', 'id', event.id, 'type', event.type, 'deviceId', event.deviceId, 'data', event.body)
        }
        const results = (await within(pipeline.exec(), BROKER_TIMEOUT_MS, 'Redis')) ?? []
        // Redis runs a pipeline's commands in order: what came before the first error is in the stream.
        const failed = results.findIndex(([error]) => error)
        if (failed >= 0) throw new PartialPublish(failed, results[failed]![0])
        if (results.length !== events.length) throw new PartialPublish(results.length, new Error('Redis did not answer every XADD'))
      }),
    close: () => connection.close(),
  }
}
