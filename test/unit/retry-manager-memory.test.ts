import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MessageRetryManager } from '@whiskeysockets/baileys'
import { pino } from 'pino'
import { slimRetryManager } from '../../src/whatsapp/retry-manager-memory.js'

const logger = pino({ level: 'silent' })
const slimmed = (): MessageRetryManager => slimRetryManager(logger, 5)
const key = (n: number): Uint8Array => new Uint8Array([n & 0xff, n >> 8])

describe("Baileys' retry manager without its per-socket message copies", () => {
  it("is a retry manager with the constructor's fields, made without running it", () => {
    const real = new MessageRetryManager(logger, 5)
    const slim = slimmed()
    assert.ok(slim instanceof MessageRetryManager)
    assert.deepEqual(Object.keys(slim).sort(), Object.keys(real).sort())
    const fields = (manager: MessageRetryManager) => manager as unknown as Record<string, unknown>
    assert.deepEqual(fields(slim).statistics, fields(real).statistics)
    assert.deepEqual(fields(slim).pendingPhoneRequests, fields(real).pendingPhoneRequests)
    assert.equal(fields(slim).maxMsgRetryCount, 5)
  })

  it('keeps no copy of sent or received messages (retry receipts are answered from the outbox)', () => {
    const manager = slimmed()
    for (let i = 0; i < 100; i++) manager.addRecentMessage('15550001111@s.whatsapp.net', `id-${i}`, { conversation: `text ${i}` })
    assert.equal(manager.getRecentMessage('15550001111@s.whatsapp.net', 'id-99'), undefined)
    manager.markRetrySuccess('id-99')
    manager.clear()
  })

  it('still counts retries and gives up after the maximum', () => {
    const manager = slimmed()
    for (let i = 1; i <= 5; i++) assert.equal(manager.incrementRetryCount('m1'), i)
    assert.equal(manager.hasExceededMaxRetries('m1'), true)
    manager.markRetryFailed('m1')
    assert.equal(manager.getRetryCount('m1'), 0)
  })

  it('recreates a session with a contact at most once an hour, as Baileys does', () => {
    const manager = slimmed()
    const jid = '15550001111@s.whatsapp.net'
    assert.equal(manager.shouldRecreateSession(jid, true).recreate, true, 'never recreated before')
    assert.equal(manager.shouldRecreateSession(jid, true).recreate, false, 'recreated just now')
    assert.equal(manager.shouldRecreateSession('15550002222@s.whatsapp.net', true).recreate, true, 'another contact')
    manager.clear()
    assert.equal(manager.shouldRecreateSession(jid, true).recreate, true, 'forgotten by clear')
  })

  it("remembers base keys of retried messages within Baileys' bound of 1,024", () => {
    const manager = slimmed()
    manager.saveBaseKey('addr', 'first', key(1))
    assert.equal(manager.hasSameBaseKey('addr', 'first', key(1)), true)
    assert.equal(manager.hasSameBaseKey('addr', 'first', key(2)), false)
    manager.deleteBaseKey('addr', 'first')
    assert.equal(manager.hasSameBaseKey('addr', 'first', key(1)), false)

    for (let i = 0; i < 1100; i++) manager.saveBaseKey('addr', `m${i}`, key(i))
    assert.equal(manager.hasSameBaseKey('addr', 'm1099', key(1099)), true)
    assert.equal(manager.hasSameBaseKey('addr', 'm0', key(0)), false, 'the oldest were evicted')
    assert.equal(manager.hasSameBaseKey('addr', 'm76', key(76)), true, 'the newest 1,024 are kept')
  })
})
