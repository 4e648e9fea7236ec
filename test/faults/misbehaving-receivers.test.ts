import assert from 'node:assert/strict'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net'
import { after, describe, it } from 'node:test'
import { createMediaTls } from '../../sim/media-tls.js'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'faults-receivers-admin-key-0123456789'
const PHONE = '15550009401'
const CONTACT = '15550009499'
const TIMEOUT_MS = 4_000
const HUGE_BODY_BYTES = 256 * 1024 * 1024

interface Delivery {
  webhookId: string
  eventId: string
  status: string
  attempts: number
  lastError: string | null
}

/** An HTTP server on loopback answering every request with `handler`; closed after the test file. */
async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; open: () => number }> {
  const sockets = new Set<Socket>()
  const server = createHttpServer(handler)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, open: () => sockets.size }
}

describe('faults: webhook receivers that misbehave are bounded in time and size, and delay neither other receivers nor sending', async () => {
  const sim: Simulator = await startSim()
  const good = await WebhookReceiver.start()

  // Accepts the request and never answers.
  const hanging = await listen(() => undefined)
  // Answers one byte of its status line per second.
  const dripSockets = new Set<Socket>()
  const drip = createTcpServer((socket) => {
    dripSockets.add(socket)
    const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')
    let sent = 0
    const timer = setInterval(() => (sent < answer.length ? socket.write(answer.subarray(sent, ++sent)) : clearInterval(timer)), 1_000)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearInterval(timer)
      dripSockets.delete(socket)
    })
  })
  await new Promise<void>((resolve) => drip.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => { for (const socket of dripSockets) socket.destroy(); drip.close(() => resolve()) }))
  // 200 at once, then a body of 256 MB that is produced only as fast as it is read.
  let hugeBytesSent = 0
  const huge = await listen((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': HUGE_BODY_BYTES })
    const chunk = Buffer.alloc(64 * 1024)
    const pump = (): void => {
      while (hugeBytesSent < HUGE_BODY_BYTES && response.write(chunk)) hugeBytesSent += chunk.length
    }
    response.on('drain', pump)
    response.on('close', () => response.off('drain', pump))
    pump()
  })
  // Redirects to the cloud metadata address.
  const redirect = await listen((_request, response) => response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end())
  // HTTPS with a certificate no one trusts.
  const untrusted = createMediaTls('Untrusted receiver CA (testing only)')
  let tlsHandshakesDone = 0
  const badTls = createHttpsServer({ cert: untrusted.certPem, key: untrusted.keyPem }, (_request, response) => response.writeHead(200).end())
  badTls.on('secureConnection', () => tlsHandshakesDone++)
  await new Promise<void>((resolve) => badTls.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => { badTls.closeAllConnections(); badTls.close(() => resolve()) }))

  const server = await startServerProcess({
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: tempDir(),
    ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_MAX_RETRY_DELAY_MS: '500',
    WEBHOOK_RETRY_FOR_MS: '2000',
  })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  await createPairedSession(admin, sim, 'desk', PHONE)
  const receivers = {
    good: good.url,
    hanging: hanging.url,
    drip: `http://127.0.0.1:${(drip.address() as AddressInfo).port}/hook`,
    huge: huge.url,
    redirect: redirect.url,
    badTls: `https://127.0.0.1:${(badTls.address() as AddressInfo).port}/hook`,
  }
  const ids: Record<string, string> = {}
  for (const [name, url] of Object.entries(receivers)) {
    const created = await admin.post('/api/sessions/desk/webhooks', { url, events: ['message.received'] })
    assert.equal(created.status, 201, `${name}: ${JSON.stringify(created.body)}`)
    ids[name] = created.body.webhook.id as string
  }
  const deliveries = async (status: string): Promise<Delivery[]> =>
    (await admin.get(`/api/webhooks/deliveries?status=${status}&deviceId=desk&limit=500`)).body.deliveries as Delivery[]
  const of = (list: Delivery[], name: string): Delivery[] => list.filter((delivery) => delivery.webhookId === ids[name])

  it('delivers to the good receiver and sends messages while a receiver holds a request open', async () => {
    const received = [(await sim.sendText(PHONE, CONTACT, 'first')).id, (await sim.sendText(PHONE, CONTACT, 'second')).id]
    await waitFor(() => hanging.open() > 0, { what: 'the hanging receiver holding a request' })
    await waitFor(() => received.every((id) => good.uniqueEvents().some((event) => event.data.id === id)), { what: 'the good receiver served' })
    const sent = await admin.post('/api/messages/send', { deviceId: 'desk', number: CONTACT, message: 'sent meanwhile' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    await sim.waitForMessage((message) => message.id === sent.body.messageId)
    assert.ok(hanging.open() > 0, 'the hanging request was still open: nothing waited for it')
  })

  it('bounds each misbehaving receiver: a timeout for silence and dripping, no redirect followed, no bad certificate accepted, no huge body read', async () => {
    const failed = await waitFor(async () => {
      const list = await deliveries('failed')
      return ['hanging', 'drip', 'redirect', 'badTls'].every((name) => of(list, name).length === 2) && list
    }, { what: 'every misbehaving receiver\'s deliveries failed', timeoutMs: 30_000 })
    for (const name of ['hanging', 'drip']) {
      for (const delivery of of(failed, name)) assert.match(delivery.lastError ?? '', /timeout|aborted/i, `${name}: ${delivery.lastError}`)
    }
    for (const delivery of of(failed, 'redirect')) assert.equal(delivery.lastError, 'Receiver answered HTTP 307')
    // Retried while WEBHOOK_RETRY_FOR_MS lasts; the later event waited behind the first in its ordered lane.
    const attempts = of(failed, 'redirect').map((delivery) => delivery.attempts)
    assert.ok(Math.max(...attempts) >= 2, `attempts: ${attempts.join(', ')}`)
    for (const delivery of of(failed, 'badTls')) assert.match(delivery.lastError ?? '', /certificate|self.signed|unable to verify/i, String(delivery.lastError))
    assert.equal(tlsHandshakesDone, 0, 'no request went over the untrusted connection')

    const delivered = await deliveries('delivered')
    assert.equal(of(delivered, 'huge').length, 2, 'a 2xx answer delivers, whatever body follows')
    assert.equal(of(delivered, 'good').length, 2)
    assert.ok(hugeBytesSent < HUGE_BODY_BYTES / 4, `the body was not read: ${hugeBytesSent} bytes left the receiver`)
  })
})
