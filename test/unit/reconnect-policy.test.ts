import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffDelay, decideReaction, type CloseContext, type Reaction } from '../../src/sessions/reconnect-policy.js'

const options = { baseDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 5 }
const context = (overrides: Partial<CloseContext>): CloseContext => ({
  code: undefined,
  qrExpired: false,
  attempt: 1,
  outageCount: 0,
  replacedCount: 0,
  ...overrides,
})
const half = (): number => 0.5

describe('decideReaction', () => {
  const table: Array<[string, Partial<CloseContext>, Reaction['kind']]> = [
    ['515 restart required after pairing', { code: 515 }, 'reconnect-now'],
    ['401 logged out from the phone', { code: 401 }, 'logged-out'],
    ['403 banned', { code: 403 }, 'fail'],
    ['411 multi-device mismatch', { code: 411 }, 're-pair'],
    ['408 QR refs ended', { code: 408, qrExpired: true }, 'wait-for-start'],
    ['408 connection lost', { code: 408 }, 'reconnect-later'],
    ['428 connection closed', { code: 428 }, 'reconnect-later'],
    ['500 bad session', { code: 500 }, 'reconnect-later'],
    ['503 unavailable', { code: 503 }, 'reconnect-later'],
    ['unknown code', { code: undefined }, 'reconnect-later'],
    ['first 440 replaced', { code: 440, replacedCount: 1 }, 'reconnect-later'],
    ['second 440 in a row', { code: 440, replacedCount: 2 }, 'fail'],
    ['transient after too many attempts', { code: 500, attempt: 6 }, 'fail'],
    ['transient at the last allowed attempt', { code: 500, attempt: 5 }, 'reconnect-later'],
    ['408 (WhatsApp unreachable) long after the last allowed attempt', { code: 408, attempt: 500, outageCount: 499 }, 'reconnect-later'],
    ['503 (WhatsApp or the database unavailable) long after the last allowed attempt', { code: 503, attempt: 500, outageCount: 499 }, 'reconnect-later'],
    ['another code after a long outage: only the attempts outside outages count', { code: 500, attempt: 500, outageCount: 499 }, 'reconnect-later'],
    ['another code once those exceed the limit', { code: 500, attempt: 500, outageCount: 494 }, 'fail'],
  ]
  for (const [name, overrides, expected] of table) {
    it(name, () => assert.equal(decideReaction(context(overrides), options, half).kind, expected))
  }
})

describe('backoffDelay', () => {
  it('doubles per attempt and caps at maxDelayMs', () => {
    const max = (): number => 1
    assert.equal(backoffDelay(1, options, max), 1000)
    assert.equal(backoffDelay(2, options, max), 2000)
    assert.equal(backoffDelay(3, options, max), 4000)
    assert.equal(backoffDelay(10, options, max), 30_000)
  })
  it('keeps half of each step fixed and jitters the other half', () => {
    assert.equal(backoffDelay(3, options, () => 0), 2000)
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, options)
      assert.ok(delay >= 2000 && delay <= 4000, `delay ${delay} out of range`)
    }
  })
})
