import { readdir } from 'node:fs/promises'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { EventBus } from '../events/event-bus.js'
import type { SessionManager } from '../sessions/session-manager.js'

/** Default metrics that list every active handle, request or resource. */
const WALKING_DEFAULT_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_requests', 'nodejs_active_requests_total', 'nodejs_active_resources', 'nodejs_active_resources_total']

const OPEN_FDS = 'process_open_fds'

/** Disconnect codes as metric labels; Baileys sometimes closes without one. */
const reason = (code: number | undefined): string => (code === undefined ? 'unknown' : String(code))

/** What /metrics reports about event delivery: the broker transports and the queue behind every destination. */
export interface DeliveryMetricsSource {
  transportIds: readonly string[]
  pendingCounts: () => Promise<Record<string, number>>
}

/**
 * Prometheus metrics, fed from domain events; one registry per server so tests stay independent.
 * With several nodes each node reports its own (labelled node=...), sessions counted where they run.
 */
export function createMetrics(
  bus: EventBus, sessions: SessionManager, nodeId: string | undefined, delivery: DeliveryMetricsSource,
): { registry: Registry; stop: () => void } {
  const isTransport = (id: string): boolean => delivery.transportIds.includes(id)
  const registry = new Registry()
  if (nodeId !== undefined) registry.setDefaultLabels({ node: nodeId })
  collectDefaultMetrics({ register: registry, prefix: 'wa_api_' })
  // These walk every socket and timer on each scrape: some 25 ms with ten thousand sessions, and wa_api_sessions counts what matters.
  for (const name of WALKING_DEFAULT_METRICS) registry.removeSingleMetric(`wa_api_${name}`)
  // prom-client lists /proc/self/fd synchronously: 7 ms of a blocked event loop per scrape with ten thousand sockets.
  registry.removeSingleMetric(`wa_api_${OPEN_FDS}`)
  if (process.platform === 'linux') {
    new Gauge({
      name: `wa_api_${OPEN_FDS}`,
      help: 'Number of open file descriptors.',
      registers: [registry],
      async collect() {
        // minus the listing's own descriptor, as prom-client counts
        const fds = await readdir('/proc/self/fd').catch(() => undefined)
        if (fds) this.set(fds.length - 1)
      },
    })
  }

  new Gauge({
    name: 'wa_api_sessions',
    help: 'Sessions run by this node, by connection state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, count] of sessions.countsHere()) this.set({ state }, count)
    },
  })
  new Gauge({
    name: 'wa_api_buffer_pool_bytes',
    help: 'Node\'s Buffer pool block size: 0 while the heap is large enough for small Buffers to be allocated one by one',
    registers: [registry],
    collect() {
      this.set(Buffer.poolSize)
    },
  })
  const messages = new Counter({
    name: 'wa_api_messages_total',
    help: 'Outgoing message status changes, by status and message type',
    labelNames: ['status', 'type'],
    registers: [registry],
  })
  const received = new Counter({
    name: 'wa_api_messages_received_total',
    help: 'Received messages, by type',
    labelNames: ['type'],
    registers: [registry],
  })
  const webhooks = new Counter({
    name: 'wa_api_webhook_attempts_total',
    help: 'Webhook delivery attempts, by result (delivered, retry, failed)',
    labelNames: ['result'],
    registers: [registry],
  })
  const transportAttempts = new Counter({
    name: 'wa_api_event_transport_attempts_total',
    help: 'Events published to a broker transport (amqp, nats, redis), by result (delivered, retry, failed)',
    labelNames: ['transport', 'result'],
    registers: [registry],
  })
  new Gauge({
    name: 'wa_api_event_backlog',
    help: 'Events queued and not yet delivered, per broker transport and for all webhooks together',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      const backlog = new Map<string, number>([...delivery.transportIds, 'webhooks'].map((id) => [id, 0]))
      // A database that does not answer leaves the backlog unreported rather than failing every metric.
      for (const [id, pending] of Object.entries(await delivery.pendingCounts().catch(() => ({})))) {
        const destination = isTransport(id) ? id : 'webhooks'
        backlog.set(destination, (backlog.get(destination) ?? 0) + pending)
      }
      for (const [destination, pending] of backlog) this.set({ destination }, pending)
    },
  })
  const disconnects = new Counter({
    name: 'wa_api_disconnects_total',
    help: 'Closed WhatsApp connections, by disconnect code and the reaction chosen',
    labelNames: ['code', 'reaction'],
    registers: [registry],
  })

  const unsubscribers = [
    bus.subscribe('message.status', ({ status, type }) => messages.inc({ status, type })),
    bus.subscribe('message.received', ({ message }) => received.inc({ type: message.type })),
    bus.subscribe('delivery.attempted', ({ destination, result, events }) =>
      isTransport(destination) ? transportAttempts.inc({ transport: destination, result }, events) : webhooks.inc({ result }, events)),
    bus.subscribe('session.disconnected', ({ code, reaction: chosen }) => disconnects.inc({ code: reason(code), reaction: chosen })),
  ]
  return { registry, stop: () => unsubscribers.forEach((unsubscribe) => unsubscribe()) }
}
