import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EVENT_TYPES, verifyWebhook, WebhookVerificationError } from '@whatsapp-multi-session-api/client'
import { retryingFetch } from '../../clients/typescript/src/retries.js'
import { type ServerSentEvent, serverSentEvents } from '../../clients/typescript/src/server-sent-events.js'
import { CLIENT_TYPES_FILE, clientTypesOf } from '../../scripts/client-types.js'
import { PUBLIC_EVENT_TYPES } from '../../src/events/envelope.js'
import { webhookSigner } from '../../src/events/webhook-signer.js'
import { startInProcessServer } from '../support/in-process-server.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('TypeScript SDK: types, event stream parsing, retries, webhook verification', () => {
  it('holds the types of the OpenAPI document the server serves now (npm run client:types regenerates them)', async () => {
    const { server } = await startInProcessServer()
    const document = (await server.app.inject({ url: '/docs/json' })).json() as object
    const committed = readFileSync(CLIENT_TYPES_FILE, 'utf8')
    assert.ok(committed === (await clientTypesOf(document)), 'clients/typescript/src/generated/openapi.ts is stale: run npm run client:types')
  })

  it('builds as published: the SDK to plain ESM with declarations that Node loads without tsx, the CLI against them', () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
    execFileSync(process.execPath, [tsc, '-p', 'clients/typescript/tsconfig.json'], { cwd: ROOT })
    execFileSync(process.execPath, [tsc, '-p', 'clients/cli/tsconfig.json'], { cwd: ROOT })
    const exported = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./clients/typescript/dist/index.js'); console.log(Object.keys(m).sort().join(' '))"], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(exported.trim(), 'EVENT_TYPES WebhookVerificationError WhatsAppApi WhatsAppApiError WhatsAppConnectionError createClient verifyWebhook')
    assert.ok(existsSync(join(ROOT, 'clients/typescript/dist/index.d.ts')))
    assert.match(readFileSync(join(ROOT, 'clients/cli/dist/main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  })

  it('knows every event type the server emits', () => {
    assert.deepEqual([...EVENT_TYPES], [...PUBLIC_EVENT_TYPES])
  })

  describe('Server-Sent Events parsing', () => {
    const stream = (...chunks: string[]): ReadableStream<Uint8Array> => new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
        controller.close()
      },
    })
    const parsed = async (...chunks: string[]): Promise<ServerSentEvent[]> => {
      const messages: ServerSentEvent[] = []
      for await (const message of serverSentEvents(stream(...chunks))) messages.push(message)
      return messages
    }
    const BODY = ': connected\n\nid: @0a1b.3\n\nid: evt_1\nevent: message.received\ndata: {"a":1}\n\n: ping\n\nevent: gap\ndata: {"lastEventId":"x"}\n\r\ndata: one\r\ndata:two\r\n\r\nid: evt_2\ndata\n\nevent: dropped-without-data\n\n'
    const EXPECTED: ServerSentEvent[] = [
      { event: '', id: '@0a1b.3', data: null },
      { event: 'message.received', id: 'evt_1', data: '{"a":1}' },
      { event: 'gap', id: 'evt_1', data: '{"lastEventId":"x"}' },
      { event: 'message', id: 'evt_1', data: 'one\ntwo' },
      { event: 'message', id: 'evt_2', data: '' },
    ]

    it('reads fields, multi-line data, comments, id-only blocks, the last id kept across messages, any line ending', async () => {
      assert.deepEqual(await parsed(BODY), EXPECTED)
    })

    it('gives the same messages however the body is split into chunks (CRLF and UTF-8 split included)', async () => {
      const body = BODY + 'data: é ✓ 🎉\r\n\r\n'
      const bytes = new TextEncoder().encode(body)
      await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length]
        const chunks = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 1; i < points.length; i++) controller.enqueue(bytes.slice(points[i - 1], points[i]))
            controller.close()
          },
        })
        const messages: ServerSentEvent[] = []
        for await (const message of serverSentEvents(chunks)) messages.push(message)
        assert.deepEqual(messages, [...EXPECTED, { event: 'message', id: 'evt_2', data: 'é ✓ 🎉' }])
      }), { numRuns: 200 })
    })
  })

  describe('retries', () => {
    /** A fetch answering from a script, recording what it was asked. */
    const scripted = (answers: Array<Response | Error>) => {
      const asked: Array<{ method: string; body: string }> = []
      const fetchOnce = async (request: Request | string | URL): Promise<Response> => {
        const req = request as Request
        asked.push({ method: req.method, body: await req.text() })
        const next = answers.shift()
        if (next === undefined) throw new Error('asked more often than scripted')
        if (next instanceof Error) throw next
        return next
      }
      return { asked, fetchOnce: fetchOnce as typeof fetch }
    }
    const post = (idempotencyKey?: string): Request => new Request('http://api.test/api/messages/send', {
      method: 'POST',
      body: '{"message":"hi"}',
      headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    })
    const busy = (status: number, retryAfter?: string): Response =>
      new Response('{"success":false,"error":"busy"}', { status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } })

    it('tries again on 429 and, with an idempotency key, on 503, honouring Retry-After, sending the same body each time', async () => {
      const { asked, fetchOnce } = scripted([busy(429, '0'), busy(503), new Response('{"success":true}')])
      const response = await retryingFetch(fetchOnce, { baseDelayMs: 1 })(post('k'))
      assert.equal(response.status, 200)
      assert.deepEqual(asked.map((request) => request.body), Array(3).fill('{"message":"hi"}'))
    })

    it('never repeats a write without an idempotency key after a 503: it may have been done', async () => {
      const write = scripted([busy(503, '0')])
      assert.equal((await retryingFetch(write.fetchOnce)(post())).status, 503)
      assert.equal(write.asked.length, 1)
      const limited = scripted([busy(429, '0'), new Response('{}')])
      assert.equal((await retryingFetch(limited.fetchOnce)(post())).status, 200, 'a 429 refused it before anything happened')
      const read = scripted([busy(503), new Response('{}')])
      assert.equal((await retryingFetch(read.fetchOnce, { baseDelayMs: 1 })(new Request('http://api.test/api/sessions'))).status, 200)
    })

    it('gives the last answer once the retries are spent, or at once when Retry-After is longer than it waits', async () => {
      const spent = scripted([busy(503, '0'), busy(503, '0'), busy(503, '0')])
      assert.equal((await retryingFetch(spent.fetchOnce, { retries: 2 })(post('k'))).status, 503)
      assert.equal(spent.asked.length, 3)
      const patient = scripted([busy(429, '120')])
      const started = Date.now()
      assert.equal((await retryingFetch(patient.fetchOnce, { maxDelayMs: 1_000 })(post())).status, 429)
      assert.ok(Date.now() - started < 1_000, 'did not wait two minutes')
      const other = scripted([busy(500)])
      assert.equal((await retryingFetch(other.fetchOnce)(post())).status, 500, 'a 500 is not retried')
    })

    it('repeats a read or an idempotent send after a failed connection, never another write', async () => {
      const read = scripted([new TypeError('fetch failed'), new Response('{}')])
      assert.equal((await retryingFetch(read.fetchOnce, { baseDelayMs: 1 })(new Request('http://api.test/api/sessions'))).status, 200)
      const send = scripted([new TypeError('fetch failed'), new Response('{}')])
      assert.equal((await retryingFetch(send.fetchOnce, { baseDelayMs: 1 })(post('k'))).status, 200)
      const write = scripted([new TypeError('fetch failed'), new Response('{}')])
      await assert.rejects(retryingFetch(write.fetchOnce, { baseDelayMs: 1 })(post()), /fetch failed/)
      assert.equal(write.asked.length, 1)
    })
  })

  describe('webhook verification against the server\'s own signatures', () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'message.received', deviceId: 'd', timestamp: '2026-01-01T00:00:00.000Z', data: { text: 'hé' } })
    const sentAt = new Date('2026-12-03T10:00:00Z')
    const options = { now: new Date(sentAt.getTime() + 60_000) }

    for (const secret of ['whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'), 'a plain shared secret']) {
      it(`verifies both signatures with a ${secret.startsWith('whsec_') ? 'whsec_' : 'plain'} secret, and refuses a changed byte`, async () => {
        const headers = webhookSigner(secret)('evt_1', sentAt, body)
        assert.equal((await verifyWebhook(body, headers, secret, options)).data.text, 'hé')
        const hubOnly = new Headers({ 'X-Hub-Signature-256': headers['x-hub-signature-256']! })
        await assert.rejects(verifyWebhook(body, hubOnly, secret), /Only X-Hub-Signature-256 is present/)
        assert.equal((await verifyWebhook(body, hubOnly, secret, { allowHubSignatureOnly: true })).id, 'evt_1')
        // One byte changed anywhere fails, under either scheme.
        const changed = body.replace('hé', 'he')
        await assert.rejects(verifyWebhook(changed, headers, secret, options), WebhookVerificationError)
        await assert.rejects(verifyWebhook(changed, { 'x-hub-signature-256': headers['x-hub-signature-256'] }, secret, { allowHubSignatureOnly: true }), WebhookVerificationError)
        await assert.rejects(verifyWebhook(body, { ...headers, 'webhook-id': 'evt_2' }, secret, options), WebhookVerificationError)
      })
    }

    it('accepts any of several signatures (a secret being rotated), refuses old timestamps and parsed bodies', async () => {
      const secret = 'whsec_' + Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')
      const headers = webhookSigner(secret)('evt_1', sentAt, body)
      const rotated = { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}` }
      assert.equal((await verifyWebhook(body, rotated, secret, options)).id, 'evt_1')
      await assert.rejects(verifyWebhook(body, headers, secret, { now: new Date(sentAt.getTime() + 301_000) }), /too far from now/)
      await assert.rejects(verifyWebhook(body, { ...headers, 'webhook-signature': 'v2,abc' }, secret, options), WebhookVerificationError)
      await assert.rejects(verifyWebhook(JSON.parse(body) as never, headers, secret, options), TypeError)
    })
  })
})
