import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  createClient,
  type EventEnvelope,
  verifyWebhook,
  WebhookVerificationError,
  WhatsAppApiError,
  WhatsAppConnectionError,
} from '@whatsapp-multi-session-api/client'
import type { Simulator } from '../../sim/index.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'sdk-admin-key-0123456789abcdef'
const WEBHOOK_SECRET = 'whsec_' + Buffer.from('sdk-webhook-secret-32-bytes-long').toString('base64')
const QR_PHONE = '15550009101'
const CODE_PHONE = '15550009102'
const CONTACT = '15550009199'

describe('TypeScript SDK against the real server and the simulator', async () => {
  const sim: Simulator = await startSim()
  const webhook = await WebhookReceiver.start()
  const server = await startServerProcess({
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: tempDir(),
    WEBHOOK_URL: webhook.url,
    WEBHOOK_SECRET,
    WEBHOOK_EVENTS: 'message.received',
    ALLOW_PRIVATE_URLS: 'true',
  })
  after(() => server.stop())
  const api = createClient({ baseUrl: server.baseUrl, apiKey: ADMIN_KEY })

  const connected = (deviceId: string): Promise<unknown> =>
    waitFor(async () => (await api.sessions.get(deviceId)).connectionState === 'connected', { what: `${deviceId} connected` })

  it('creates a session, links it by QR code and sends; a repeated send with the same idempotency key is sent once', async () => {
    const created = await api.sessions.create('sdk-qr')
    assert.equal(created.deviceId, 'sdk-qr')
    const qr = await waitFor(() => api.sessions.qr('sdk-qr').catch(() => undefined), { what: 'a QR code' })
    assert.match(qr.qrImage, /^data:image\/png;base64,/)
    await sim.scanQr(qr.qrCode, { phoneNumber: QR_PHONE })
    await connected('sdk-qr')
    assert.deepEqual((await api.sessions.list()).map((session) => [session.deviceId, session.phoneNumber]), [['sdk-qr', QR_PHONE]])

    const sent = await api.messages.sendText('sdk-qr', CONTACT, 'hello from the SDK')
    assert.equal(sent.status, 'sent')
    const delivered = await sim.waitForMessage((message) => message.id === sent.messageId)
    assert.equal(delivered.text, 'hello from the SDK')
    assert.equal(delivered.from, QR_PHONE)

    const once = { deviceId: 'sdk-qr', number: CONTACT, message: 'exactly once', idempotencyKey: 'sdk-order-42' }
    const first = await api.messages.send(once)
    const again = await api.messages.send(once)
    assert.equal(again.messageId, first.messageId)
    await sim.waitForMessage((message) => message.id === first.messageId)
    assert.equal(sim.received().filter((message) => message.text === 'exactly once').length, 1)
    assert.ok(['sent', 'delivered', 'read'].includes((await api.messages.get(first.messageId)).status))
  })

  it('links a session with a pairing code', async () => {
    await api.sessions.create('sdk-code')
    await waitFor(async () => (await api.sessions.get('sdk-code')).connectionState === 'qr', { what: 'sdk-code waiting to link' })
    const code = await api.sessions.pairingCode('sdk-code', CODE_PHONE)
    assert.match(code, /^[A-Z0-9]{8}$/)
    await sim.pairWithCode(CODE_PHONE, code)
    await connected('sdk-code')
    assert.equal((await api.sessions.get('sdk-code')).phoneNumber, CODE_PHONE)
  })

  it('iterates over live events, resuming with Last-Event-ID after the connection drops: none missed, none twice', async () => {
    const proxy = await startTcpProxy(Number(new URL(server.baseUrl).port))
    after(() => proxy.close())
    const proxied = createClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, apiKey: ADMIN_KEY })
    let opened = 0
    let reconnects = 0
    const seen: EventEnvelope[] = []
    const stream = proxied.events({
      deviceId: 'sdk-qr',
      types: ['message.received'],
      minReconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
      onOpen: () => opened++,
      onReconnect: () => reconnects++,
    })
    const consumed = (async () => {
      for await (const event of stream) {
        seen.push(event)
        if (seen.length === 6) break
      }
    })()
    await waitFor(() => opened === 1, { what: 'the stream open' })
    const sentIds: string[] = []
    for (let i = 0; i < 3; i++) sentIds.push((await sim.sendText(QR_PHONE, CONTACT, `before the cut ${i}`)).id)
    await waitFor(() => seen.length === 3, { what: 'three events' })

    proxy.cut()
    await waitFor(() => reconnects > 0, { what: 'the SDK noticing the cut' })
    for (let i = 0; i < 3; i++) sentIds.push((await sim.sendText(QR_PHONE, CONTACT, `during the cut ${i}`)).id)
    // Stored and announced while the client was away: the server's live stream holds them.
    await waitFor(async () => (await api.chats.messages('sdk-qr', CONTACT)).messages.length >= 6, { what: 'the messages stored' })
    proxy.restore()
    await consumed

    assert.ok(opened >= 2, 'the stream was opened again')
    assert.deepEqual(seen.map((event) => event.data.id), sentIds)
    assert.equal(new Set(seen.map((event) => event.id)).size, 6)
    assert.ok(seen.every((event) => event.type === 'message.received' && event.deviceId === 'sdk-qr'))
  })

  it('resumes from the stream\'s position when the connection drops before the first event', async () => {
    const proxy = await startTcpProxy(Number(new URL(server.baseUrl).port))
    after(() => proxy.close())
    let opened = 0
    const seen: string[] = []
    const stream = createClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, apiKey: ADMIN_KEY })
      .events({ deviceId: 'sdk-code', types: ['message.received'], minReconnectDelayMs: 50, maxReconnectDelayMs: 200, onOpen: () => opened++ })
    const consumed = (async () => {
      for await (const event of stream) {
        seen.push(String(event.data.id))
        if (seen.length === 2) break
      }
    })()
    await waitFor(() => opened === 1, { what: 'the stream open' })
    proxy.cut()
    const sentIds = [(await sim.sendText(CODE_PHONE, CONTACT, 'while away 1')).id, (await sim.sendText(CODE_PHONE, CONTACT, 'while away 2')).id]
    await waitFor(async () => (await api.chats.messages('sdk-code', CONTACT)).messages.length >= 2, { what: 'the messages stored' })
    proxy.restore()
    await consumed
    assert.deepEqual(seen, sentIds)
  })

  it('verifies a webhook the server signed (Standard Webhooks and X-Hub-Signature-256), and refuses a tampered one', async () => {
    await waitFor(() => webhook.accepted.length > 0, { what: 'a webhook delivery' })
    const { body, headers } = webhook.accepted[0]!
    const event = await verifyWebhook(body, headers, WEBHOOK_SECRET)
    assert.equal(event.id, headers['webhook-id'])
    assert.equal(event.type, 'message.received')

    // Without a timestamp a captured delivery could be replayed: accepted only when asked for.
    const hubOnly = { 'x-hub-signature-256': headers['x-hub-signature-256'] }
    await assert.rejects(verifyWebhook(body, hubOnly, WEBHOOK_SECRET), WebhookVerificationError)
    assert.equal((await verifyWebhook(new TextEncoder().encode(body), hubOnly, WEBHOOK_SECRET, { allowHubSignatureOnly: true })).id, event.id)

    const tampered = body.replace(event.deviceId, 'someone-else')
    await assert.rejects(verifyWebhook(tampered, headers, WEBHOOK_SECRET), WebhookVerificationError)
    await assert.rejects(verifyWebhook(tampered, hubOnly, WEBHOOK_SECRET, { allowHubSignatureOnly: true }), WebhookVerificationError)
    await assert.rejects(verifyWebhook(body, headers, 'whsec_' + Buffer.from('another-secret-of-32-bytes-long!').toString('base64')), WebhookVerificationError)
    const later = new Date(Number(headers['webhook-timestamp']) * 1000 + 10 * 60_000)
    await assert.rejects(verifyWebhook(body, headers, WEBHOOK_SECRET, { now: later }), /too far from now/)
    await assert.rejects(verifyWebhook(body, {}, WEBHOOK_SECRET), /no webhook signature/)
  })

  it('throws typed errors carrying the server\'s status and message', async () => {
    const missing = await api.sessions.get('no-such-session').catch((error: unknown) => error)
    assert.ok(missing instanceof WhatsAppApiError)
    assert.equal(missing.status, 404)
    assert.equal(missing.message, 'Session "no-such-session" not found')
    assert.equal(missing.body?.success, false)

    const invalid = await api.messages.sendText('sdk-qr', 'not a number', 'x').catch((error: unknown) => error)
    assert.ok(invalid instanceof WhatsAppApiError && invalid.status === 400, String(invalid))

    const connectedAlready = await api.sessions.qr('sdk-qr').catch((error: unknown) => error)
    assert.ok(connectedAlready instanceof WhatsAppApiError)
    assert.equal(connectedAlready.status, 409)
    assert.equal(connectedAlready.connectionState, 'connected')

    const wrongKey = await createClient({ baseUrl: server.baseUrl, apiKey: 'not-the-admin-key-at-all' }).sessions.list().catch((error: unknown) => error)
    assert.ok(wrongKey instanceof WhatsAppApiError && wrongKey.status === 403, String(wrongKey))

    const closed = await startTcpProxy(1)
    await closed.close()
    const nowhere = createClient({ baseUrl: `http://127.0.0.1:${closed.port}`, apiKey: ADMIN_KEY, retry: { retries: 0 } })
    await assert.rejects(nowhere.sessions.list(), WhatsAppConnectionError)
  })

  it('reaches routes without a method of their own through the typed http client; a session key is held to its session', async () => {
    const sessionKey = await api.sessions.issueKey('sdk-qr')
    const scoped = createClient({ baseUrl: server.baseUrl, apiKey: sessionKey })
    const { data: profile } = await scoped.http.GET('/api/sessions/{deviceId}/profile', { params: { path: { deviceId: 'sdk-qr' } } })
    assert.equal(profile?.phoneNumber, QR_PHONE)
    const other = await scoped.sessions.get('sdk-code').catch((error: unknown) => error)
    assert.ok(other instanceof WhatsAppApiError && other.status === 403, String(other))
  })
})
