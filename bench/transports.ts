import { randomBytes } from 'node:crypto'
import { brokerEnv, type BrokerConsumers, type Consumed, startBrokerConsumers, uniqueBrokerNames } from '../test/support/broker-consumers.js'
import { startTcpProxy } from '../test/support/tcp-proxy.js'
import { Api } from './api.js'
import { pairSessions, type PairedSession } from './pairing.js'
import { CpuMeter } from './proc.js'
import type { ServerProcess } from './server-process.js'
import type { SimProcess } from './sim-process.js'
import { mapLimit, waitUntil } from './wait.js'

const BROKERS = ['amqp', 'nats', 'redis'] as const
type Broker = (typeof BROKERS)[number]

export interface TransportDrain {
  broker: Broker
  /** From the brokers coming back until this one had every queued event (reconnecting and the retry backoff included). */
  drainS: number
  /** From its first published event to its last: what the transport carries. */
  publishS: number
  perSecond: number
}

export interface TransportsResult {
  events: number
  sessions: number
  /** Inbound messages published to all three brokers as they arrive (bounded by receiving them). */
  live: { elapsedS: number; perSecond: number; serverCpuMsPerEvent: number }
  /** A backlog of `events` per broker, queued while they were unreachable, published once they return (all three at once, confirmed batches). */
  drain: TransportDrain[]
  drainServerUtilization: number
  /** Every event of both phases was found in each broker, none missing, each message once (after de-duplicating by event id). */
  verified: boolean
}

/** Contact numbers the simulator writes from; not a paired account. */
const CONTACT = '4915100000003'
const INJECT_CONCURRENCY = 20

/** The texts of message.received events, each event counted once. */
function receivedTexts(consumed: readonly Consumed[]): Set<string> {
  const seen = new Set<string>()
  const texts = new Set<string>()
  for (const { envelope } of consumed) {
    if (seen.has(envelope.id) || envelope.type !== 'message.received') continue
    seen.add(envelope.id)
    texts.add(String(envelope.data.text))
  }
  return texts
}

const counts = async (consumers: BrokerConsumers): Promise<Record<Broker, number>> => ({
  amqp: consumers.amqp().length,
  nats: await consumers.natsCount(),
  redis: await consumers.redisCount(),
})

/**
 * Events into RabbitMQ, NATS JetStream and Redis Streams on this machine, consumer-verified: first
 * live (inbound messages published as they arrive), then a backlog built while the brokers were cut
 * off by a TCP proxy and published once they are back, which shows what the transports themselves carry.
 */
export async function measureTransports(
  startServer: (env: Record<string, string>) => Promise<ServerProcess>,
  adminKey: string,
  sim: SimProcess,
  sessionCount: number,
  events: number,
  log: (message: string) => void,
): Promise<TransportsResult> {
  const names = uniqueBrokerNames(`bench${randomBytes(4).toString('hex')}`)
  const proxies = { amqp: await startTcpProxy(5672), nats: await startTcpProxy(4222), redis: await startTcpProxy(6379) }
  const consumers = await startBrokerConsumers(names)
  const server = await startServer({
    ...brokerEnv(names, { amqp: proxies.amqp.port, nats: proxies.nats.port, redis: proxies.redis.port }),
    EVENTS_TYPES: 'message.received',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_MAX_RETRY_DELAY_MS: '1000',
  })
  try {
    const api = new Api(server.baseUrl, adminKey)
    const deviceIds = Array.from({ length: sessionCount }, (_, i) => `bench-transport-${i}`)
    const { sessions } = await pairSessions(api, sim, server.pid, deviceIds, 4)
    const inject = (label: string, sessionsToUse: PairedSession[]) =>
      mapLimit(Array.from({ length: events }, (_, i) => i), INJECT_CONCURRENCY, (i) =>
        sim.inbound(sessionsToUse[i % sessionsToUse.length]!.phoneNumber, CONTACT, `${label} ${i}`))
    const allIn = async (expected: number): Promise<boolean> => Object.values(await counts(consumers)).every((count) => count >= expected)

    log(`transports: ${events} inbound messages to ${sessionCount} sessions, published live to three brokers`)
    const liveMeter = new CpuMeter({ server: server.pid })
    const liveStarted = performance.now()
    await inject('live', sessions)
    await waitUntil('every live event in every broker', () => allIn(events), { timeoutMs: 60_000 + events * 50, intervalMs: 50 })
    const liveElapsedS = (performance.now() - liveStarted) / 1000
    const liveCpu = liveMeter.stop().cpuS.server!

    log(`transports: ${events} more while the brokers are unreachable, then the backlog published`)
    for (const proxy of Object.values(proxies)) proxy.cut()
    await inject('backlog', sessions)
    await waitUntil('the backlog queued for every broker', async () => {
      const metrics = await (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text()
      return BROKERS.every((broker) => Number(new RegExp(`wa_api_event_backlog\\{destination="${broker}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0) >= events)
    }, { timeoutMs: 60_000 + events * 50, intervalMs: 100 })
    // All three back at once, each publishing its own backlog beside the others.
    const drainMeter = new CpuMeter({ server: server.pid })
    const restoredAt = performance.now()
    for (const proxy of Object.values(proxies)) proxy.restore()
    const firstAt = new Map<Broker, number>()
    const doneAt = new Map<Broker, number>()
    await waitUntil('the backlog in every broker', async () => {
      const now = await counts(consumers)
      const at = performance.now()
      for (const broker of BROKERS) {
        if (!firstAt.has(broker) && now[broker] > events) firstAt.set(broker, at)
        if (!doneAt.has(broker) && now[broker] >= 2 * events) doneAt.set(broker, at)
      }
      return doneAt.size === BROKERS.length
    }, { timeoutMs: 120_000 + events * 20, intervalMs: 5 })
    const drainUtilization = drainMeter.stop().utilization.server!

    const expected = new Set(['live', 'backlog'].flatMap((label) => Array.from({ length: events }, (_, i) => `${label} ${i}`)))
    const verified = [consumers.amqp(), await consumers.nats(), await consumers.redis()]
      .every((consumed) => { const texts = receivedTexts(consumed); return texts.size === expected.size && [...expected].every((text) => texts.has(text)) })
    return {
      events,
      sessions: sessionCount,
      live: { elapsedS: liveElapsedS, perSecond: events / liveElapsedS, serverCpuMsPerEvent: (liveCpu * 1000) / events },
      drain: BROKERS.map((broker) => {
        const publishS = Math.max(0.001, (doneAt.get(broker)! - firstAt.get(broker)!) / 1000)
        return { broker, drainS: (doneAt.get(broker)! - restoredAt) / 1000, publishS, perSecond: events / publishS }
      }),
      drainServerUtilization: drainUtilization,
      verified,
    }
  } finally {
    await server.stop()
    await consumers.close()
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()))
  }
}
