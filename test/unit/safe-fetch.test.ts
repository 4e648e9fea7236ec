import assert from 'node:assert/strict'
import { lookup } from 'node:dns/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { hostname } from 'node:os'
import { after, describe, it } from 'node:test'
import { isPrivateAddress, postTarget, SafeFetcher } from '../../src/security/safe-fetch.js'

describe('isPrivateAddress', () => {
  const blocked = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
    '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']
  for (const address of blocked) it(`blocks ${address}`, () => assert.ok(isPrivateAddress(address)))
  for (const address of allowed) it(`allows ${address}`, () => assert.ok(!isPrivateAddress(address)))
})

describe('SafeFetcher.validate', () => {
  const fetcher = new SafeFetcher({ allowPrivate: false, timeoutMs: 1000, maxBytes: 1024 })
  it('accepts public https URLs', () => assert.equal(fetcher.validate('https://example.com/a.png').hostname, 'example.com'))
  for (const url of ['http://example.com/a', 'ftp://example.com/a', 'file:///etc/passwd', 'https://[::1]/a', 'https://10.0.0.1/a', 'not a url']) {
    it(`refuses ${url}`, () => assert.throws(() => fetcher.validate(url)))
  }
  it('refuses a host name that resolves to a loopback address, at connect time', async (t) => {
    const name = hostname()
    const { address } = await lookup(name)
    if (!isPrivateAddress(address)) return t.skip(`${name} resolves to ${address} here`)
    await assert.rejects(fetcher.fetch(`https://${name}/a.png`), /resolves to a private or loopback address/)
  })
})

/** A receiver on loopback; counts the connections it was opened and the request bodies it read. */
async function receiver(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const sockets = new Set<Socket>()
  let connections = 0
  const bodies: string[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString())
      handler(request, response)
    })
  })
  server.on('connection', (socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return { target: postTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?k=1`), bodies, connections: () => connections, open: () => sockets.size }
}

describe('SafeFetcher.post', () => {
  const fetcher = new SafeFetcher({ allowPrivate: true, timeoutMs: 1000, maxBytes: 1024 })
  after(() => fetcher.close())

  it('answers the status, sends the body and headers to the path with its query, and keeps the connection for the next', async () => {
    let seen: IncomingMessage | undefined
    const { target, bodies, connections } = await receiver((request, response) => {
      seen = request
      response.writeHead(request.url === '/hook?k=1' ? 202 : 404, { 'content-type': 'text/plain' }).end('thanks')
    })
    assert.equal(await fetcher.post(target, '{"a":1}', { 'webhook-id': 'evt_1' }, 2_000), 202)
    assert.equal(seen?.headers['content-type'], 'application/json')
    assert.equal(seen?.headers['webhook-id'], 'evt_1')
    for (let i = 2; i <= 6; i++) assert.equal(await fetcher.post(target, `{"a":${i}}`, {}, 2_000), 202)
    assert.deepEqual(bodies, [1, 2, 3, 4, 5, 6].map((i) => `{"a":${i}}`))
    // The pool may open a second connection while the first finishes reading an answer; never one per request.
    assert.ok(connections() <= 2, `short answers are read, so connections carry the next requests: ${connections()} for 6`)
  })

  it('answers an error status as a status, not a failure', async () => {
    const { target } = await receiver((_request, response) => response.writeHead(500).end('broken'))
    assert.equal(await fetcher.post(target, '{}', {}, 2_000), 500)
  })

  it('rejects with a timeout when the receiver never answers, and leaves no connection open', async () => {
    const { target, open } = await receiver(() => undefined)
    await assert.rejects(fetcher.post(target, '{}', {}, 200), (error: Error) => error.name === 'TimeoutError' && /timeout/.test(error.message))
    const deadline = Date.now() + 5_000
    while (open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(open(), 0)
  })

  it('answers the status of a long answer at once and cuts its body off (and the connection with it)', async () => {
    const chunk = Buffer.alloc(16 * 1024, 1)
    let written = 0
    const { target, open } = await receiver((_request, response) => {
      response.writeHead(200, { 'content-length': String(64 * 1024 * 1024) })
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && response.write(chunk)) written += chunk.length
      }
      response.on('drain', pump)
      pump()
    })
    assert.equal(await fetcher.post(target, '{}', {}, 2_000), 200)
    const deadline = Date.now() + 5_000
    while (open() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(open(), 0, 'the connection was closed')
    assert.ok(written < 8 * 1024 * 1024, `only what the socket buffers took was written: ${written} bytes`)
  })

  it('rejects when nothing listens', async () => {
    const { target } = await receiver(() => undefined)
    const closed = { ...target, origin: 'http://127.0.0.1:1' }
    await assert.rejects(fetcher.post(closed, '{}', {}, 2_000), /ECONNREFUSED|connect/)
  })
})
