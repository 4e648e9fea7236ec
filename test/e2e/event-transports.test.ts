import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import WebSocket from 'ws'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { brokerEnv, type Consumed, startBrokerConsumers, uniqueBrokerNames } from '../support/broker-consumers.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'transports-admin-key-0123456789abcdef'
const CONTACT = '15559995555'
const SESSIONS = { alpha: '15550008001', beta: '15550008002' } as const
type DeviceId = keyof typeof SESSIONS

/** Per session, the message ids of message.received events in the order a consumer first saw them; every copy of an event id must be the same. */
function receivedInOrder(consumed: readonly Consumed[]): Record<string, string[]> {
  const bodies = new Map<string, string>()
  const order: Record<string, string[]> = {}
  for (const { envelope } of consumed) {
    const body = JSON.stringify(envelope)
    const seen = bodies.get(envelope.id)
    if (seen !== undefined) {
      assert.equal(body, seen, `a re-publish of ${envelope.id} must be the same event`)
      continue
    }
    bodies.set(envelope.id, body)
    if (envelope.type === 'message.received') (order[envelope.deviceId] ??= []).push(envelope.data.id)
  }
  return order
}

describe('events into RabbitMQ, NATS JetStream and Redis Streams (real brokers), and over a WebSocket', async () => {
  const names = uniqueBrokerNames(randomBytes(4).toString('hex'))
  const proxies = { amqp: await startTcpProxy(5672), nats: await startTcpProxy(4222), redis: await startTcpProxy(6379) }
  after(() => Promise.all(Object.values(proxies).map((proxy) => proxy.close())))
  const sim: Simulator = await startSim()
  // The server's own order of events, as its (ordered) webhook lanes deliver them: each broker must match it.
  const webhook = await WebhookReceiver.start()
  const env = {
    WEBHOOK_URL: webhook.url,
    WEBHOOK_SECRET: 'transports-webhook-secret-0123456789',
    WEBHOOK_EVENTS: 'message.received',
    ALLOW_PRIVATE_URLS: 'true',
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: tempDir(),
    ...brokerEnv(names, { amqp: proxies.amqp.port, nats: proxies.nats.port, redis: proxies.redis.port }),
    EVENTS_TYPES: 'message.received,session.status',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_MAX_RETRY_DELAY_MS: '500',
  }
  let server: ServerProcess = await startServerProcess(env)
  let admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  for (const [deviceId, phone] of Object.entries(SESSIONS)) await createPairedSession(admin, sim, deviceId, phone)

  const consumers = await startBrokerConsumers(names)
  after(async () => {
    await consumers.close()
    await server.stop()
  })

  const sent: Record<DeviceId, string[]> = { alpha: [], beta: [] }
  const sendToAll = async (count: number, label: string): Promise<void> => {
    for (let i = 0; i < count; i++) {
      for (const [deviceId, phone] of Object.entries(SESSIONS) as Array<[DeviceId, string]>) {
        sent[deviceId].push((await sim.sendText(phone, CONTACT, `${label} ${i}`)).id)
      }
    }
  }
  /** What the server announced, in its order; the same ids as were sent. */
  const serverOrder = (): Record<string, string[]> => {
    const order = receivedInOrder(webhook.uniqueEvents().map((envelope) => ({ envelope, meta: {} })))
    for (const deviceId of Object.keys(SESSIONS) as DeviceId[]) assert.deepEqual([...(order[deviceId] ?? [])].sort(), [...sent[deviceId]].sort())
    return order
  }
  /** Who still missed which messages at the last check, for a failure to name. */
  let shortfall = ''
  const everyBrokerHasAll = async (): Promise<boolean> => {
    const destinations = {
      webhook: webhook.uniqueEvents().map((envelope) => ({ envelope, meta: {} })),
      amqp: consumers.amqp(),
      nats: await consumers.nats(),
      redis: await consumers.redis(),
    }
    const missing = Object.entries(destinations).flatMap(([name, consumed]) => {
      const order = receivedInOrder(consumed)
      const absent = (Object.keys(sent) as DeviceId[]).flatMap((deviceId) => sent[deviceId].filter((id) => !(order[deviceId] ?? []).includes(id)).map((id) => `${deviceId}/${id}`))
      return absent.length ? [`${name} lacks ${absent.join(', ')}`] : []
    })
    shortfall = missing.join('; ')
    return missing.length === 0
  }
  const untilEveryBrokerHasAll = (what: string, timeoutMs: number): Promise<unknown> =>
    waitFor(everyBrokerHasAll, { what, timeoutMs }).catch((error: Error) => {
      throw new Error(`${error.message}; ${shortfall}`)
    })

  it('publishes every received message to each broker, in order per session, with the id and type beside the body', async () => {
    await sendToAll(10, 'first')
    await untilEveryBrokerHasAll('every event in every broker', 30_000)
    const nats = await consumers.nats()
    const redisEvents = await consumers.redis()
    const fromAmqp = consumers.amqp()
    const order = serverOrder()
    for (const consumed of [fromAmqp, nats, redisEvents]) assert.deepEqual(receivedInOrder(consumed), order)

    const amqpEvent = fromAmqp.find((c) => c.envelope.type === 'message.received')!
    assert.deepEqual(amqpEvent.meta, { routingKey: `${amqpEvent.envelope.deviceId}.message.received`, messageId: amqpEvent.envelope.id, type: 'message.received', persistent: true })
    const natsEvent = nats.find((c) => c.envelope.type === 'message.received')!
    assert.deepEqual(natsEvent.meta, { subject: `${names.subjects}.${natsEvent.envelope.deviceId}.message.received`, msgId: natsEvent.envelope.id })
    const redisEvent = redisEvents.find((c) => c.envelope.type === 'message.received')!
    assert.deepEqual(redisEvent.meta, { id: redisEvent.envelope.id, type: 'message.received', deviceId: redisEvent.envelope.deviceId })
    // EVENTS_TYPES keeps other types (the phone's chat events, statuses of sends) out of the brokers.
    for (const consumed of [fromAmqp, nats, redisEvents]) {
      assert.deepEqual([...new Set(consumed.map((c) => c.envelope.type))].filter((type) => !['message.received', 'session.status'].includes(type)), [])
    }
  })

  it('keeps the events of an outage and a SIGKILL and publishes every one once the brokers are back, none lost', async () => {
    for (const proxy of Object.values(proxies)) proxy.cut()
    await sendToAll(5, 'during the outage')
    await waitFor(async () => {
      const health = (await admin.get('/health')).body
      return ['amqp', 'nats', 'redis'].every((id) => health.transports?.[id]?.healthy === false)
    }, { what: 'every transport reported failing on /health' })
    const ready = await fetch(`${server.baseUrl}/ready`)
    assert.equal(ready.status, 200, 'a broker outage is not the API\'s outage')
    await server.stop('SIGKILL')

    server = await startServerProcess(env)
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    await waitFor(async () => (await admin.state('alpha')) === 'connected' && (await admin.state('beta')) === 'connected', { what: 'sessions back' })
    await sendToAll(3, 'after the restart')
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text()
    assert.match(metrics, /wa_api_event_backlog\{destination="amqp"\} [1-9]/, 'the backlog shows while the broker is away')
    for (const proxy of Object.values(proxies)) proxy.restore()

    await untilEveryBrokerHasAll('every event in every broker after the outage', 60_000)
    const order = serverOrder()
    for (const consumed of [consumers.amqp(), await consumers.nats(), await consumers.redis()]) assert.deepEqual(receivedInOrder(consumed), order)
    await waitFor(async () => {
      const { transports } = (await admin.get('/health')).body
      return ['amqp', 'nats', 'redis'].every((id) => transports?.[id]?.healthy === true)
    }, { what: 'every transport healthy again' })
  })

  it('streams the same envelopes over a WebSocket, with the SSE stream\'s authentication and filters', async () => {
    const url = `${server.baseUrl.replace('http', 'ws')}/api/events/ws?deviceId=alpha&types=message.received`
    const refused = await new Promise<number>((resolve) => {
      new WebSocket(url).on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)).on('error', () => undefined)
    })
    assert.equal(refused, 401)
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    const messages: Array<{ type: string; deviceId: string; data: { id: string } }> = []
    socket.on('message', (data) => messages.push(JSON.parse(String(data))))
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    const { id } = await sim.sendText(SESSIONS.beta, CONTACT, 'not for this socket')
    const { id: wanted } = await sim.sendText(SESSIONS.alpha, CONTACT, 'over the websocket')
    await waitFor(() => messages.some((message) => message.data.id === wanted), { what: 'the event over the WebSocket' })
    assert.deepEqual(messages.map((message) => [message.type, message.deviceId]), [['message.received', 'alpha']])
    assert.equal(messages.some((message) => message.data.id === id), false)
    socket.close()
  })
})
