import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { SecretBox, SecretBoxError } from '../../src/security/secret-box.js'

const key = () => SecretBox.fromBase64(randomBytes(32).toString('base64'))

describe('secret box', () => {
  it('seals to a fresh text each time and opens it back in the same context only', () => {
    const box = key()
    const a = box.seal('{"noiseKey":"secret"}', 'auth_creds:desk')
    const b = box.seal('{"noiseKey":"secret"}', 'auth_creds:desk')
    assert.notEqual(a, b, 'a random IV per value')
    assert.ok(SecretBox.isSealed(a) && !a.includes('secret'))
    assert.equal(box.open(a, 'auth_creds:desk'), '{"noiseKey":"secret"}')
    assert.throws(() => box.open(a, 'auth_creds:other'), SecretBoxError, 'a value moved to another row does not open')
    assert.throws(() => key().open(a, 'auth_creds:desk'), /does not open/)
  })

  it('refuses altered, truncated and plain values', () => {
    const box = key()
    const sealed = box.seal('x'.repeat(100), 'webhooks.secret:w1')
    const bytes = Buffer.from(sealed.slice('enc:v1:'.length), 'base64')
    bytes[20]! ^= 1
    assert.throws(() => box.open(`enc:v1:${bytes.toString('base64')}`, 'webhooks.secret:w1'), /does not open/)
    assert.throws(() => box.open('enc:v1:AAAA', 'webhooks.secret:w1'), /truncated/)
    assert.throws(() => box.open('plain secret', 'webhooks.secret:w1'), /not encrypted/)
  })

  it('takes only 32-byte base64 keys', () => {
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), `${randomBytes(32).toString('base64')}!`]) {
      assert.throws(() => SecretBox.fromBase64(bad), /32 bytes/, bad)
    }
  })
})
