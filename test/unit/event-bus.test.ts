import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EventBus } from '../../src/events/event-bus.js'
import type { InboundMessage } from '../../src/messaging/inbound-message.js'

const message = { id: 'M1' } as InboundMessage

describe('EventBus.publishAndWait', () => {
  it('settles only once every listener\'s handed work has, and rejects when any of it does', async () => {
    const bus = new EventBus(() => undefined)
    let release = (): void => undefined
    const slow = new Promise<void>((resolve) => (release = resolve))
    bus.subscribe('engine.message-received', ({ waitUntil }) => waitUntil(slow))
    bus.subscribe('engine.message-received', ({ waitUntil }) => waitUntil(Promise.resolve()))
    let settled = false
    const published = bus.publishAndWait('engine.message-received', { deviceId: 'd', message, raw: new Uint8Array() }).then(() => (settled = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(settled, false, 'waits for the slow listener')
    release()
    await published
    assert.equal(settled, true)

    bus.subscribe('engine.message-received', ({ waitUntil }) => waitUntil(Promise.reject(new Error('not queued'))))
    await assert.rejects(bus.publishAndWait('engine.message-received', { deviceId: 'd', message, raw: new Uint8Array() }), /not queued/)
  })

  it('settles at once without listeners', async () => {
    await new EventBus(() => undefined).publishAndWait('engine.message-received', { deviceId: 'd', message, raw: new Uint8Array() })
  })
})
