import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FakeConnector } from '../support/fake-connector.js'
import { multipartBody } from '../support/multipart.js'
import { startInProcessServer } from '../support/in-process-server.js'
import { waitFor } from '../support/wait-for.js'

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

async function connectedServer(env: Record<string, string> = {}, connector = new FakeConnector(false)) {
  const started = await startInProcessServer({ SEND_TIMEOUT_MS: '1000', ...env }, connector)
  const { app } = started.server
  const headers = { ...started.adminHeaders, 'content-type': 'application/json' }
  await app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { deviceId: 'shop' } })
  connector.latest('shop').emitOpen()
  const send = (payload: Record<string, unknown>, extraHeaders: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/messages/send', headers: { ...headers, ...extraHeaders }, payload: { deviceId: 'shop', number: '15550002222', ...payload } })
  const status = async (id: string) => (await app.inject({ url: `/api/messages/${id}`, headers: started.adminHeaders })).json().status as string
  return { ...started, app, headers, send, status }
}

describe('outbox and message statuses (in-process, hand-driven WhatsApp connection)', () => {
  it('answers a synchronous send only after the server ack', async () => {
    const { connector, send } = await connectedServer()
    const pending = send({ message: 'hello' })
    const connection = connector.latest('shop')
    await waitFor(() => connection.sent.length === 1, { what: 'message written' })
    connection.emitStatus(connection.sent[0]!.messageId, 'sent')
    const response = await pending
    assert.equal(response.statusCode, 200)
    assert.equal(response.json().messageId, connection.sent[0]!.messageId)
  })

  it('follows receipts forward only: delivered, read, and never back', async () => {
    const { connector, send, status } = await connectedServer()
    const pending = send({ message: 'track me' })
    const connection = connector.latest('shop')
    await waitFor(() => connection.sent.length === 1)
    const id = connection.sent[0]!.messageId
    connection.emitStatus(id, 'sent')
    await pending
    connection.emitStatus(id, 'read')
    assert.equal(await status(id), 'read')
    connection.emitStatus(id, 'delivered')
    assert.equal(await status(id), 'read')
    connection.emitStatus(id, 'played')
    assert.equal(await status(id), 'played')
  })

  it('reports an error ack as failed with the reason (502 in synchronous mode)', async () => {
    const { connector, send, status } = await connectedServer()
    const pending = send({ message: 'rejected' })
    const connection = connector.latest('shop')
    await waitFor(() => connection.sent.length === 1)
    connection.emitStatus(connection.sent[0]!.messageId, 'failed', '479')
    const response = await pending
    assert.equal(response.statusCode, 502)
    assert.match(response.json().error, /rejected the message \(error 479\)/)
    assert.equal(response.json().messageId, connection.sent[0]!.messageId)
    assert.equal(await status(connection.sent[0]!.messageId), 'failed')
  })

  it('answers 504 when no ack comes in time, and fails the message instead of leaving it hanging', async () => {
    const { send, status } = await connectedServer()
    const response = await send({ message: 'never acked' })
    assert.equal(response.statusCode, 504)
    const { messageId } = response.json()
    await waitFor(async () => (await status(messageId)) === 'failed', { what: 'ack timeout', timeoutMs: 5000 })
  })

  it('queues while disconnected and sends in order after reconnecting, under the same ids after an interruption', async () => {
    // More than the outbox reads per query (32), so the order holds across its batches.
    const count = 70
    const { connector, send, status, app, adminHeaders } = await connectedServer()
    const first = connector.latest('shop')
    const stopping = app.inject({ method: 'POST', url: '/api/sessions/shop/stop', headers: adminHeaders })
    await stopping
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      const response = await send({ message: `queued ${i}`, queue: true })
      assert.equal(response.statusCode, 202)
      assert.equal(response.json().status, 'queued')
      ids.push(response.json().messageId)
    }
    assert.equal(first.sent.length, 0)
    await app.inject({ method: 'POST', url: '/api/sessions/shop/start', headers: adminHeaders })
    const second = connector.latest('shop')
    second.emitOpen()
    await waitFor(() => second.sent.length === count, { what: 'queue drained' })
    assert.deepEqual(second.texts(), ids.map((_, i) => `queued ${i}`))
    assert.deepEqual(second.sent.map((s) => s.messageId), ids)
    // The connection drops before any ack: the messages go back to the queue and are sent again, same ids.
    second.emitClose(428)
    await waitFor(async () => (await status(ids[0]!)) === 'queued', { what: 'requeued' })
    await waitFor(() => connector.connections.length === 3, { what: 'reconnect', timeoutMs: 5000 })
    const third = connector.latest('shop')
    third.emitOpen()
    await waitFor(() => third.sent.length === count, { what: 'resent' })
    assert.deepEqual(third.sent.map((s) => s.messageId), ids)
    for (const id of ids) third.emitStatus(id, 'sent')
    for (const id of ids) assert.equal(await status(id), 'sent')
  })

  it('refuses a synchronous send to a disconnected session with 409 and stores nothing', async () => {
    const { send, app, adminHeaders, connector } = await connectedServer()
    await app.inject({ method: 'POST', url: '/api/sessions/shop/stop', headers: adminHeaders })
    const response = await send({ message: 'not now' })
    assert.equal(response.statusCode, 409)
    await app.inject({ method: 'POST', url: '/api/sessions/shop/start', headers: adminHeaders })
    connector.latest('shop').emitOpen()
    const later = await send({ message: 'probe', queue: true })
    await waitFor(() => connector.latest('shop').sent.length === 1)
    assert.deepEqual(connector.latest('shop').texts(), ['probe'])
    assert.equal(later.statusCode, 202)
  })

  it('creates one message per idempotency key, concurrently and in sequence, header or field', async () => {
    const { connector, send } = await connectedServer({}, new FakeConnector(true))
    const concurrent = await Promise.all(Array.from({ length: 8 }, () => send({ message: 'once', queue: true }, { 'idempotency-key': 'order-42' })))
    const ids = new Set(concurrent.map((r) => r.json().messageId))
    assert.equal(ids.size, 1)
    const sequential = await send({ message: 'once', idempotencyKey: 'order-42' })
    assert.equal(sequential.statusCode, 200)
    assert.ok(ids.has(sequential.json().messageId))
    await waitFor(() => connector.latest('shop').sent.length >= 1)
    assert.equal(connector.latest('shop').sent.length, 1)
    const other = await send({ message: 'twice' }, { 'idempotency-key': 'order-43' })
    assert.ok(!ids.has(other.json().messageId))
  })

  it('paces a session: keeps the order and never exceeds burst plus rate in any window', async () => {
    // 600/min = one every 100 ms after a burst of 2.
    const { connector, send } = await connectedServer({ SEND_RATE_PER_MINUTE: '600', SEND_RATE_BURST: '2' }, new FakeConnector(true))
    const started = Date.now()
    for (let i = 0; i < 6; i++) await send({ message: `paced ${i}`, queue: true })
    const connection = connector.latest('shop')
    const writtenAt: number[] = []
    await waitFor(() => {
      while (writtenAt.length < connection.sent.length) writtenAt.push(Date.now() - started)
      return connection.sent.length === 6
    }, { what: 'paced sends', intervalMs: 5 })
    assert.deepEqual(connection.texts(), ['paced 0', 'paced 1', 'paced 2', 'paced 3', 'paced 4', 'paced 5'])
    // Count per window, not speed: by any moment t, at most burst + t/100ms messages went out.
    for (const [index, at] of writtenAt.entries()) {
      assert.ok(index + 1 <= 2 + Math.floor(at / 100) + 1, `message ${index} went out at ${at} ms, too early`)
    }
  })

  it('sends every content type through the outbox as the engine-neutral model', async () => {
    const { connector, send } = await connectedServer({}, new FakeConnector(true))
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ message: 'text' }, 'text'],
      [{ image: { base64: PNG_1PX, caption: 'pixel' } }, 'image'],
      [{ document: { base64: Buffer.from('%PDF-1.4 test').toString('base64'), fileName: 'a.pdf' } }, 'document'],
      [{ audio: { base64: Buffer.from('OggS....').toString('base64'), voice: true } }, 'audio'],
      [{ location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } }, 'location'],
      [{ contacts: [{ name: 'Ann', phoneNumber: '+1 555 000 1111' }] }, 'contacts'],
      [{ poll: { name: 'Lunch?', options: ['Yes', 'No'] } }, 'poll'],
      [{ reaction: { messageId: 'ABC', emoji: '👍' } }, 'reaction'],
      [{ edit: { messageId: 'ABC', text: 'fixed' } }, 'edit'],
      [{ delete: { messageId: 'ABC' } }, 'delete'],
      [{ message: 'a reply', replyTo: 'ABC' }, 'text'],
    ]
    for (const [payload, type] of cases) {
      const response = await send(payload)
      assert.equal(response.statusCode, 200, `${type}: ${response.body}`)
      assert.equal(response.json().type, type)
    }
    const sent = connector.latest('shop').sent
    const image = sent[1]!.message.content
    assert.ok(image.type === 'image' && image.media.mimetype === 'image/png' && image.caption === 'pixel')
    const audio = sent[3]!.message.content
    assert.ok(audio.type === 'audio' && audio.voice === true && audio.media.mimetype === 'audio/ogg')
    const reaction = sent[7]!.message.content
    assert.ok(reaction.type === 'reaction' && reaction.target.id === 'ABC' && reaction.target.fromMe === false)
    assert.deepEqual(sent[10]!.message.replyTo, { id: 'ABC', fromMe: false })
  })

  it('marks a reaction to its own message as fromMe', async () => {
    const { connector, send } = await connectedServer({}, new FakeConnector(true))
    const original = (await send({ message: 'mine' })).json().messageId
    await send({ reaction: { messageId: original, emoji: '❤️' } })
    const reaction = connector.latest('shop').sent[1]!.message.content
    assert.ok(reaction.type === 'reaction' && reaction.target.fromMe === true)
  })

  it('rejects unclear or unsafe content with a 400 naming the problem', async () => {
    const { send } = await connectedServer()
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /Nothing to send/],
      [{ message: 'a', location: { latitude: 1, longitude: 1 } }, /only one kind of content/],
      [{ message: '   ' }, /must not be empty/],
      [{ image: { base64: PNG_1PX, url: 'https://example.com/a.png' } }, /exactly one of url or base64/],
      [{ image: { base64: 'not base64!' } }, /not valid base64/],
      [{ image: { base64: Buffer.from('%PDF-1.4').toString('base64') } }, /image cannot be of type application\/pdf/],
      [{ image: { base64: Buffer.from('plain bytes').toString('base64') } }, /mimetype is required/],
      [{ sticker: { base64: PNG_1PX } }, /sticker cannot be of type image\/png/],
      [{ image: { url: 'http://example.com/a.png' } }, /https/],
      [{ image: { url: 'https://127.0.0.1/a.png' } }, /private or loopback/],
      [{ image: { url: 'https://localhost/a.png' } }, /private or loopback/],
      [{ image: { url: 'https://user:pw@example.com/a.png' } }, /credentials/],
      [{ location: { latitude: 91, longitude: 0 } }, /latitude/],
      [{ poll: { name: 'x', options: ['a', 'a'] } }, /different/],
      [{ poll: { name: 'x', options: ['a', 'b'], selectableCount: 3 } }, /selectableCount/],
      [{ contacts: [] }, /at least one contact/],
    ]
    for (const [payload, message] of cases) {
      const response = await send(payload)
      assert.equal(response.statusCode, 400, `${JSON.stringify(payload)}: ${response.body}`)
      assert.match(response.json().error, message)
    }
  })

  it('shows a message to its own session key and the admin only', async () => {
    const { app, connector, send, headers, adminHeaders } = await connectedServer({}, new FakeConnector(true))
    const id = (await send({ message: 'private' })).json().messageId
    await app.inject({ method: 'PUT', url: '/api/sessions/shop/api-key', headers, payload: { apiKey: 'shop-key-0123456789' } })
    await app.inject({ method: 'POST', url: '/api/sessions', headers, payload: { deviceId: 'other' } })
    await app.inject({ method: 'PUT', url: '/api/sessions/other/api-key', headers, payload: { apiKey: 'other-key-0123456789' } })
    const own = await app.inject({ url: `/api/messages/${id}`, headers: { authorization: 'Bearer shop-key-0123456789' } })
    assert.equal(own.statusCode, 200)
    assert.equal(own.json().status, 'sent')
    assert.equal(own.json().to, '15550002222@s.whatsapp.net')
    const foreign = await app.inject({ url: `/api/messages/${id}`, headers: { authorization: 'Bearer other-key-0123456789' } })
    assert.equal(foreign.statusCode, 403)
    const anonymous = await app.inject({ url: `/api/messages/${id}` })
    assert.equal(anonymous.statusCode, 401)
    const missing = await app.inject({ url: '/api/messages/NOPE', headers: adminHeaders })
    assert.equal(missing.statusCode, 404)
    assert.ok(connector)
  })
})

describe('directory: number checks and groups (in-process)', () => {
  it('checks numbers once per TTL and answers in the order asked', async () => {
    const { app, connector, headers } = await connectedServer({}, new FakeConnector(true))
    const connection = connector.latest('shop')
    connection.notOnWhatsApp.add('15550009999@s.whatsapp.net')
    const check = (numbers: string[]) =>
      app.inject({ method: 'POST', url: '/api/sessions/shop/check-numbers', headers, payload: { numbers } })
    const first = await check(['+1 555 000 2222', '15550009999'])
    assert.equal(first.statusCode, 200)
    assert.deepEqual(first.json().results, [
      { number: '+1 555 000 2222', jid: '15550002222@s.whatsapp.net', exists: true },
      { number: '15550009999', jid: '15550009999@s.whatsapp.net', exists: false },
    ])
    await check(['15550002222', '15550008888'])
    assert.deepEqual(connection.numberQueries, [
      ['15550002222@s.whatsapp.net', '15550009999@s.whatsapp.net'],
      ['15550008888@s.whatsapp.net'],
    ])
    // The outbox uses the same cache: a message to a number without WhatsApp fails instead of vanishing.
    const refused = await app.inject({ method: 'POST', url: '/api/messages/send', headers, payload: { deviceId: 'shop', number: '15550009999', message: 'anyone?' } })
    assert.equal(refused.statusCode, 502)
    assert.match(refused.json().error, /15550009999 is not on WhatsApp/)
    assert.equal(connection.numberQueries.length, 2)
    assert.equal(connection.sent.length, 0)
    const bad = await check(['120363025246125486@g.us'])
    assert.equal(bad.statusCode, 400)
    const tooMany = await check(Array.from({ length: 101 }, (_, i) => `1555000${String(i).padStart(4, '0')}`))
    assert.equal(tooMany.statusCode, 400)
  })

  it('lists groups with names and sizes', async () => {
    const { app, connector, adminHeaders } = await connectedServer({}, new FakeConnector(true))
    connector.latest('shop').groupList = [
      { jid: '120363025246125486@g.us', name: 'Team', size: 5, description: null, createdAt: 1_700_000_000_000, announceOnly: false },
    ]
    const response = await app.inject({ url: '/api/sessions/shop/groups', headers: adminHeaders })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json().groups, [
      { jid: '120363025246125486@g.us', name: 'Team', size: 5, description: null, createdAt: '2023-11-14T22:13:20.000Z', announceOnly: false },
    ])
  })
})

describe('multipart uploads (in-process)', () => {
  const png = Buffer.from(PNG_1PX, 'base64')

  it('sends an uploaded file, guessing the kind from its type', async () => {
    const { app, connector, adminHeaders } = await connectedServer({}, new FakeConnector(true))
    const upload = multipartBody({ deviceId: 'shop', number: '15550002222', caption: 'look' }, { fileName: 'dot.png', mimetype: 'image/png', data: png })
    const response = await app.inject({ method: 'POST', url: '/api/messages/send-file', headers: { ...adminHeaders, ...upload.headers }, payload: upload.payload })
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().type, 'image')
    const content = connector.latest('shop').sent[0]!.message.content
    assert.ok(content.type === 'image' && content.caption === 'look' && content.media.data.equals(png))

    const pdf = multipartBody({ deviceId: 'shop', number: '15550002222', queue: 'true' },
      { fileName: 'report.pdf', mimetype: 'application/pdf', data: Buffer.from('%PDF-1.4 report') })
    const queued = await app.inject({ method: 'POST', url: '/api/messages/send-file', headers: { ...adminHeaders, ...pdf.headers }, payload: pdf.payload })
    assert.equal(queued.statusCode, 202, queued.body)
    await waitFor(() => connector.latest('shop').sent.length === 2)
    const document = connector.latest('shop').sent[1]!.message.content
    assert.ok(document.type === 'document' && document.media.fileName === 'report.pdf')
  })

  it('refuses uploads without a key, a file, or valid fields, and oversized files', async () => {
    const { app, adminHeaders } = await connectedServer({ MEDIA_MAX_BYTES: '1024' }, new FakeConnector(true))
    const post = (body: { payload: Buffer; headers: Record<string, string> }, auth = adminHeaders) =>
      app.inject({ method: 'POST', url: '/api/messages/send-file', headers: { ...auth, ...body.headers }, payload: body.payload })
    const file = { fileName: 'dot.png', mimetype: 'image/png', data: png }
    assert.equal((await post(multipartBody({ deviceId: 'shop', number: '15550002222' }, file), {})).statusCode, 401)
    const noFile = await post(multipartBody({ deviceId: 'shop', number: '15550002222' }))
    assert.equal(noFile.statusCode, 400)
    assert.match(noFile.json().error, /"file" part is required/)
    const badField = await post(multipartBody({ deviceId: '../x', number: '15550002222' }, file))
    assert.equal(badField.statusCode, 400)
    const big = await post(multipartBody({ deviceId: 'shop', number: '15550002222' }, { ...file, data: Buffer.alloc(4096, 1) }))
    assert.ok([400, 413].includes(big.statusCode), big.body)
    const json = await app.inject({ method: 'POST', url: '/api/messages/send-file', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '{}' })
    assert.equal(json.statusCode, 400)
  })
})
