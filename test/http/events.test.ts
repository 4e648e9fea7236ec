import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { Webhook } from 'standardwebhooks'
import WebSocket from 'ws'
import type { InboundMessage } from '../../src/messaging/inbound-message.js'
import { FakeConnector } from '../support/fake-connector.js'
import { startInProcessServer } from '../support/in-process-server.js'
import { waitFor } from '../support/wait-for.js'
import { readEvents } from '../support/event-stream.js'
import { tempDir } from '../support/temp-dir.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const SECRET = 'global-webhook-secret-0123456789'

function inbound(id: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    id,
    chat: '15550002222@s.whatsapp.net',
    isGroup: false,
    isChannel: false,
    fromMe: false,
    sender: { jid: '15550002222@s.whatsapp.net', phoneNumber: '15550002222', lid: '99887766@lid', pushName: 'Bob' },
    timestamp: 1_795_000_000_000,
    type: 'text',
    text: `hello ${id}`,
    media: null,
    location: null,
    contacts: null,
    target: null,
    poll: null,
    quoted: null,
    ...overrides,
  }
}

async function serverWithWebhook(receiver: WebhookReceiver, env: Record<string, string> = {}) {
  const connector = new FakeConnector(true)
  const started = await startInProcessServer({
    ALLOW_PRIVATE_URLS: 'true', WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET,
    WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_MAX_RETRY_DELAY_MS: '100', WEBHOOK_TIMEOUT_MS: '500', ...env,
  }, connector)
  await started.server.resume()
  const headers = { ...started.adminHeaders, 'content-type': 'application/json' }
  const { app } = started.server
  const addSession = async (deviceId: string) => {
    await app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { deviceId } })
    connector.latest(deviceId).emitOpen({ jid: `1555000${deviceId.length}:7@s.whatsapp.net`, phoneNumber: `1555000${deviceId.length}`, pushName: deviceId })
    return connector.latest(deviceId)
  }
  return { ...started, app, headers, addSession }
}

describe('events out: webhooks, the live stream, the inbox (in-process, real HTTP receiver)', () => {
  it('delivers signed events that verify with the secret, in both signature schemes', async () => {
    const receiver = await WebhookReceiver.start()
    const { addSession } = await serverWithWebhook(receiver)
    const connection = await addSession('shop')
    connection.emitReceived(inbound('IN1'))
    const request = await waitFor(() => receiver.accepted.find((r) => r.event.type === 'message.received'), { what: 'webhook' })
    assert.deepEqual(request.event.data.sender, { jid: '15550002222@s.whatsapp.net', phoneNumber: '15550002222', lid: '99887766@lid', pushName: 'Bob' })
    assert.equal(request.event.deviceId, 'shop')
    assert.equal(request.event.data.text, 'hello IN1')
    assert.match(request.event.id, /^evt_[0-9a-f]{32}$/)
    const verified = new Webhook(Buffer.from(SECRET).toString('base64')).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    })
    assert.equal((verified as { id: string }).id, request.event.id)
    assert.equal(request.headers['x-hub-signature-256'], `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`)
    assert.ok(!request.body.includes(SECRET))
    const types = new Set(receiver.accepted.map((r) => r.event.type))
    assert.ok(types.has('session.status'), `saw ${[...types].join(', ')}`)
  })

  it('stores each received message once and lists it per chat', async () => {
    const receiver = await WebhookReceiver.start()
    const { app, adminHeaders, addSession } = await serverWithWebhook(receiver)
    const connection = await addSession('shop')
    await connection.emitReceived(inbound('A1', { timestamp: 1_000 }))
    await connection.emitReceived(inbound('A2', { timestamp: 2_000 }))
    await connection.emitReceived(inbound('A1', { timestamp: 1_000 }))
    const chats = await app.inject({ url: '/api/sessions/shop/chats', headers: adminHeaders })
    const [chat, ...others] = chats.json().chats
    assert.deepEqual(others, [])
    assert.deepEqual({ ...chat, lastMessage: chat.lastMessage.id }, {
      jid: '15550002222@s.whatsapp.net', chat: '15550002222@s.whatsapp.net', name: 'Bob', isGroup: false, isChannel: false, unread: 2, markedUnread: false,
      archived: false, pinned: false, mutedUntil: null, lastMessageAt: '1970-01-01T00:00:02.000Z', lastMessage: 'A2',
    }, 'named after the sender\'s push name while no contact says otherwise')
    // A chat whose JID no caller could type (a channel) still lists, with its last message.
    connection.emitReceived(inbound('N1', { timestamp: 3_000, chat: '120363000000000099@newsletter' }))
    await waitFor(async () => (await app.inject({ url: '/api/sessions/shop/chats', headers: adminHeaders })).json().chats.length === 2, { what: 'the channel listed' })
    const withChannel = (await app.inject({ url: '/api/sessions/shop/chats', headers: adminHeaders })).json().chats
    assert.deepEqual([withChannel[0].jid, withChannel[0].lastMessage.id], ['120363000000000099@newsletter', 'N1'])
    const messages = await app.inject({ url: '/api/sessions/shop/chats/+15550002222/messages', headers: adminHeaders })
    assert.deepEqual(messages.json().messages.map((m: { id: string }) => m.id), ['A2', 'A1'])
    const older = await app.inject({ url: '/api/sessions/shop/chats/15550002222/messages?before=1970-01-01T00:00:01.500Z', headers: adminHeaders })
    assert.deepEqual(older.json().messages.map((m: { id: string }) => m.id), ['A1'])
    await waitFor(() => receiver.accepted.filter((r) => r.event.type === 'message.received').length === 3, { what: 'three events' })
  })

  it('holds WhatsApp\'s receipt until the message is stored with its event queued, and announces a redelivery of one that could not be', async () => {
    const receiver = await WebhookReceiver.start()
    const dataDir = tempDir()
    const { app, adminHeaders, addSession } = await serverWithWebhook(receiver, { DATA_DIR: dataDir })
    const connection = await addSession('shop')
    const stored = async (id: string): Promise<boolean> =>
      (await app.inject({ url: '/api/sessions/shop/chats/15550002222/messages', headers: adminHeaders })).json().messages.some((m: { id: string }) => m.id === id)
    const announced = (id: string): number => receiver.uniqueEvents().filter((e) => e.type === 'message.received' && e.data.id === id).length

    await connection.emitReceived(inbound('R1'))
    assert.equal(await stored('R1'), true, 'stored before the receipt')

    // The event queue cannot be written (as if the process died there): no receipt, so WhatsApp delivers it again.
    const database = new Database(join(dataDir, 'whatsapp-api.db'))
    after(() => database.close())
    database.exec(`CREATE TRIGGER no_events BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'the queue is broken'); END`)
    await assert.rejects(connection.emitReceived(inbound('R2')), /the queue is broken/)
    assert.equal(await stored('R2'), false, 'not stored without its event: one transaction')
    database.exec('DROP TRIGGER no_events')

    await connection.emitReceived(inbound('R2'))
    await waitFor(() => announced('R1') === 1 && announced('R2') === 1, { what: 'both announced' })
    // Delivered again once announced (a receipt lost on the way): stored and announced once only.
    await connection.emitReceived(inbound('R2'))
    await connection.emitReceived(inbound('R3'))
    await waitFor(() => announced('R3') === 1, { what: 'the next message announced' })
    assert.equal(announced('R2'), 1)
    assert.equal(receiver.accepted.filter((r) => r.event.type === 'message.received' && r.event.data.id === 'R2').length, 1)
  })

  it('retries while the receiver is down and then delivers every event once, in order per session', async () => {
    const receiver = await WebhookReceiver.start()
    receiver.mode = 'down'
    const { addSession } = await serverWithWebhook(receiver)
    const shop = await addSession('shop')
    const bar = await addSession('bar')
    for (let i = 0; i < 10; i++) {
      shop.emitReceived(inbound(`S${i}`))
      bar.emitReceived(inbound(`B${i}`))
    }
    await waitFor(() => receiver.attempts >= 6, { what: 'failed attempts' })
    receiver.mode = 'ok'
    await waitFor(() => receiver.uniqueEvents().filter((e) => e.type === 'message.received').length === 20, { what: 'all delivered', timeoutMs: 10_000 })
    for (const [deviceId, prefix] of [['shop', 'S'], ['bar', 'B']] as const) {
      const ids = receiver.uniqueEvents().filter((e) => e.type === 'message.received' && e.deviceId === deviceId).map((e) => e.data.id)
      assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => `${prefix}${i}`))
    }
  })

  it('keeps failed deliveries listable and redelivers them on request', async () => {
    const receiver = await WebhookReceiver.start()
    receiver.mode = 'down'
    const { app, adminHeaders, addSession } = await serverWithWebhook(receiver, { WEBHOOK_RETRY_FOR_MS: '0' })
    const connection = await addSession('shop')
    connection.emitReceived(inbound('F1'))
    const failed = await waitFor(async () => {
      const list = (await app.inject({ url: '/api/webhooks/deliveries?status=failed', headers: adminHeaders })).json().deliveries as Array<{ id: number; eventType: string; lastError: string }>
      return list.find((d) => d.eventType === 'message.received')
    }, { what: 'failed delivery' })
    assert.match(failed.lastError, /HTTP 503/)
    receiver.mode = 'ok'
    const redeliver = await app.inject({ method: 'POST', url: `/api/webhooks/deliveries/${failed.id}/redeliver`, headers: adminHeaders })
    assert.equal(redeliver.statusCode, 200)
    await waitFor(() => receiver.accepted.some((r) => r.event.data.id === 'F1'), { what: 'redelivered' })
    const again = await app.inject({ method: 'POST', url: `/api/webhooks/deliveries/${failed.id}/redeliver`, headers: adminHeaders })
    assert.equal(again.statusCode, 409)
  })

  it('a hanging receiver delays neither another receiver nor sending', async () => {
    const hanging = await WebhookReceiver.start()
    hanging.mode = 'hang'
    const healthy = await WebhookReceiver.start()
    const { app, headers, addSession } = await serverWithWebhook(hanging, { WEBHOOK_TIMEOUT_MS: '60000' })
    const connection = await addSession('shop')
    const created = await app.inject({ method: 'POST', url: '/api/sessions/shop/webhooks', headers, payload: { url: healthy.url, events: ['message.received'] } })
    assert.equal(created.statusCode, 201, created.body)
    await waitFor(() => hanging.attempts >= 1, { what: 'hanging receiver busy' })
    connection.emitReceived(inbound('H1'))
    await waitFor(() => healthy.accepted.some((r) => r.event.data.id === 'H1'), { what: 'healthy receiver served', timeoutMs: 3000 })
    const sent = await app.inject({ method: 'POST', url: '/api/messages/send', headers, payload: { deviceId: 'shop', number: '15550002222', message: 'still fast' } })
    assert.equal(sent.statusCode, 200)
  })

  it('manages per-session webhooks: secret shown once, URL checked, removal', async () => {
    const receiver = await WebhookReceiver.start()
    const { app, headers, addSession } = await serverWithWebhook(receiver, { ALLOW_PRIVATE_URLS: 'false', WEBHOOK_URL: '', WEBHOOK_SECRET: '' })
    await addSession('shop')
    const privateUrl = await app.inject({ method: 'POST', url: '/api/sessions/shop/webhooks', headers, payload: { url: 'https://127.0.0.1/hook' } })
    assert.equal(privateUrl.statusCode, 400)
    const plain = await app.inject({ method: 'POST', url: '/api/sessions/shop/webhooks', headers, payload: { url: 'http://example.com/hook' } })
    assert.equal(plain.statusCode, 400)
    const badEvent = await app.inject({ method: 'POST', url: '/api/sessions/shop/webhooks', headers, payload: { url: 'https://example.com/hook', events: ['nope'] } })
    assert.equal(badEvent.statusCode, 400)
    const created = await app.inject({ method: 'POST', url: '/api/sessions/shop/webhooks', headers, payload: { url: 'https://example.com/hook' } })
    assert.equal(created.statusCode, 201)
    const { id, secret } = created.json().webhook
    assert.match(secret, /^whsec_/)
    const list = await app.inject({ url: '/api/sessions/shop/webhooks', headers })
    assert.equal(list.json().webhooks[0].id, id)
    assert.ok(!list.body.includes(secret))
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/sessions/shop/webhooks/${id}`, headers })).statusCode, 200)
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/sessions/shop/webhooks/${id}`, headers })).statusCode, 404)
  })

  it('streams media of a received message', async () => {
    const receiver = await WebhookReceiver.start()
    const { app, adminHeaders, addSession } = await serverWithWebhook(receiver)
    const connection = await addSession('shop')
    await connection.emitReceived(inbound('M1', { type: 'document', text: null, media: { mimetype: 'application/pdf', fileName: 'résumé.pdf', size: 9, seconds: null, voice: false } }), Buffer.from('%PDF-1.4 x'))
    await connection.emitReceived(inbound('T1'))
    const media = await app.inject({ url: '/api/sessions/shop/messages/M1/media', headers: adminHeaders })
    assert.equal(media.statusCode, 200)
    assert.equal(media.headers['content-type'], 'application/pdf')
    assert.match(String(media.headers['content-disposition']), /filename\*=UTF-8''r%C3%A9sum%C3%A9\.pdf/)
    assert.equal(media.body, '%PDF-1.4 x')
    assert.equal((await app.inject({ url: '/api/sessions/shop/messages/T1/media', headers: adminHeaders })).statusCode, 400)
    assert.equal((await app.inject({ url: '/api/sessions/shop/messages/NOPE/media', headers: adminHeaders })).statusCode, 404)
  })
})

describe('live event stream (SSE, in-process server on loopback)', () => {
  it('streams events to the admin, filtered by session and type, and only its own to a session key', async () => {
    const receiver = await WebhookReceiver.start()
    const { app, headers, adminHeaders, addSession } = await serverWithWebhook(receiver)
    const shop = await addSession('shop')
    const bar = await addSession('bar')
    await app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers, payload: { apiKey: 'shop-key-0123456789' } })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })

    const adminEvents = await readEvents(`${base}/api/events?types=message.received`, adminHeaders, (events) => events.length >= 2, () => {
      bar.emitReceived(inbound('X1'))
      shop.emitReceived(inbound('X2'))
    })
    assert.deepEqual(adminEvents.map((e) => [e.deviceId, e.data.id]), [['bar', 'X1'], ['shop', 'X2']])

    // Reconnecting with Last-Event-ID replays what came after that event (and matches the filter), then goes on live.
    const resumed = await readEvents(`${base}/api/events?types=message.received`, { ...adminHeaders, 'last-event-id': adminEvents[0]!.id },
      (events) => events.length >= 2, () => shop.emitReceived(inbound('X3')))
    assert.deepEqual(resumed.map((e) => e.data.id), ['X2', 'X3'])
    const gap = await readEvents(`${base}/api/events`, { ...adminHeaders, 'last-event-id': 'evt_unknown' }, (events) => events.length >= 1, () => undefined)
    assert.deepEqual(gap[0], { lastEventId: 'evt_unknown' } as unknown, 'an id no longer kept is reported as a gap')

    // A fresh connection (or one after a gap) learns its position; a resumed one keeps its event id, which every node knows.
    const rawUntil = async (headers: Record<string, string>, marker: string, afterConnect: () => void): Promise<string> => {
      const response = await fetch(`${base}/api/events?types=message.received`, { headers })
      const reader = response.body!.getReader()
      let text = ''
      let connected = false
      while (!text.includes(marker)) {
        const { value } = await reader.read()
        text += new TextDecoder().decode(value)
        if (!connected && text.includes(': connected')) {
          connected = true
          afterConnect()
        }
      }
      await reader.cancel()
      return text
    }
    const fresh = await rawUntil(adminHeaders, '"Z1"', () => shop.emitReceived(inbound('Z1')))
    assert.match(fresh, /: connected\n\nid: @[0-9a-f]+\.\d+\n\n/)
    const continued = await rawUntil({ ...adminHeaders, 'last-event-id': adminEvents[1]!.id }, '"Z2"', () => shop.emitReceived(inbound('Z2')))
    assert.ok(!continued.includes('id: @'), continued)
    assert.match(await rawUntil({ ...adminHeaders, 'last-event-id': 'evt_gone' }, '"Z3"', () => shop.emitReceived(inbound('Z3'))), /event: gap\n[^\n]+\n\nid: @/)

    const own = await readEvents(`${base}/api/events?deviceId=shop&apiKey=shop-key-0123456789`, {}, (events) => events.length >= 1, () => {
      bar.emitReceived(inbound('Y1'))
      shop.emitReceived(inbound('Y2'))
    })
    assert.deepEqual(own.map((e) => e.data.id), ['Y2'])

    assert.equal((await fetch(`${base}/api/events?deviceId=bar`, { headers: { authorization: 'Bearer shop-key-0123456789' } })).status, 403)
    assert.equal((await fetch(`${base}/api/events`, { headers: { authorization: 'Bearer shop-key-0123456789' } })).status, 403)
    assert.equal((await fetch(`${base}/api/events`)).status, 401)
    assert.equal((await fetch(`${base}/api/events?types=nope`, { headers: adminHeaders })).status, 400)
  })
})

describe('open event streams whose credentials go away', () => {
  it('ends an SSE stream of a revoked named key, a WebSocket of a replaced session key and a deleted session\'s stream; the admin\'s goes on', { timeout: 30_000 }, async () => {
    const receiver = await WebhookReceiver.start()
    const { app, headers, adminHeaders, addSession } = await serverWithWebhook(receiver, { EVENT_STREAM_HEARTBEAT_MS: '1000' })
    await addSession('shop')
    await addSession('gone')
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const named = (await app.inject({ method: 'POST', url: '/api/sessions/shop/keys', headers, payload: { name: 'reader', scopes: ['read'] } })).json()
    const own = (await app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers, payload: {} })).json().apiKey as string
    const goneKey = (await app.inject({ method: 'PUT', url: '/api/sessions/gone/api-key', headers, payload: {} })).json().apiKey as string

    /** Opens an SSE stream, counting the keep-alives it gets until the server ends it. */
    const ended = async (url: string, streamHeaders: Record<string, string>) => {
      const response = await fetch(url, { headers: streamHeaders })
      assert.equal(response.status, 200)
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      const stream = { pings: 0, open: true, opened: reader.read().then(() => undefined), ended: Promise.resolve() }
      stream.ended = (async () => {
        await stream.opened
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) stream.pings += decoder.decode(chunk.value).split(': ping').length - 1
        stream.open = false
      })()
      return stream
    }
    const admin = await ended(`${base}/api/events`, adminHeaders)
    const reader = await ended(`${base}/api/events?deviceId=shop`, { authorization: `Bearer ${named.apiKey}` })
    const deleted = await ended(`${base}/api/events?deviceId=gone`, { authorization: `Bearer ${goneKey}` })
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/events/ws?deviceId=shop&apiKey=${own}`)
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    await Promise.all([admin.opened, reader.opened, deleted.opened])

    assert.equal((await app.inject({ method: 'DELETE', url: `/api/sessions/shop/keys/${named.key.id}`, headers })).statusCode, 200)
    await reader.ended
    assert.equal((await app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers, payload: {} })).statusCode, 200)
    assert.equal(await closed, 1008)
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/sessions/gone', headers })).statusCode, 200)
    await deleted.ended

    // The admin's stream went through as many checks and is still open.
    const pingsNow = admin.pings
    await waitFor(() => admin.pings >= pingsNow + 2, { what: 'two more keep-alives on the admin\'s stream' })
    assert.equal(admin.open, true)
  })
})

describe('shutdown with open event streams', () => {
  it('ends open streams so the server can close', async () => {
    const receiver = await WebhookReceiver.start()
    const { server, adminHeaders } = await serverWithWebhook(receiver)
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' })
    const response = await fetch(`${base}/api/events`, { headers: adminHeaders })
    const reader = response.body!.getReader()
    await reader.read()
    await server.close()
    const { done } = await reader.read()
    assert.equal(done, true)
  })
})
