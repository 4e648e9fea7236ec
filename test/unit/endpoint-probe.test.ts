import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { EndpointProbe } from '../../src/whatsapp/endpoint-probe.js'
import { freePort } from '../support/free-port.js'

describe('EndpointProbe', () => {
  it('says an endpoint that accepts is reachable, asking once for every caller within its max age, and asks again after it', async () => {
    let accepted = 0
    const server = createServer((socket) => {
      accepted++
      socket.destroy()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    let clock = 0
    const probe = new EndpointProbe('127.0.0.1', (server.address() as AddressInfo).port, 5000, 1000, () => clock)
    try {
      assert.deepEqual(await Promise.all([probe.unreachable(), probe.unreachable(), probe.unreachable()]), [null, null, null])
      clock = 999
      assert.equal(await probe.unreachable(), null)
      clock = 1000
      assert.equal(await probe.unreachable(), null)
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(accepted, 2, 'one connection per max age, however many callers')
    } finally {
      server.close()
    }
  })

  it('says why an endpoint that refuses is unreachable', async () => {
    const port = await freePort()
    const reason = await new EndpointProbe('127.0.0.1', port, 5000).unreachable()
    assert.match(reason ?? '', new RegExp(`127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`))
  })

  it('reads the host and port Baileys dials from a WebSocket URL', () => {
    const at = (probe: EndpointProbe): unknown => ({ host: (probe as unknown as { host: string }).host, port: (probe as unknown as { port: number }).port })
    assert.deepEqual(at(EndpointProbe.forUrl('wss://web.whatsapp.com/ws/chat', 1000)), { host: 'web.whatsapp.com', port: 443 })
    assert.deepEqual(at(EndpointProbe.forUrl('ws://127.0.0.1:8080/ws/chat', 1000)), { host: '127.0.0.1', port: 8080 })
    assert.deepEqual(at(EndpointProbe.forUrl('ws://[::1]/ws', 1000)), { host: '::1', port: 80 })
  })
})
