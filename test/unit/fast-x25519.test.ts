import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Curve } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { createFastX25519, installFastX25519, loadSignalCurve } from '../../src/whatsapp/fast-x25519.js'

// libsignal's functions as shipped, captured before anything in this process replaces them.
const signal = loadSignalCurve()
const original = { calculateAgreement: signal.calculateAgreement, generateKeyPair: signal.generateKeyPair }
const outcome = (run: () => Buffer): string => {
  try {
    return `ok ${run().toString('hex')}`
  } catch (error) {
    return `throws ${(error as Error).message}`
  }
}

describe('fast X25519', () => {
  it('agrees byte for byte with libsignal, for its own and for libsignal\'s key pairs', () => {
    const fast = createFastX25519(original)
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (fastOurs, fastTheirs) => {
        const ours = fastOurs ? fast.generateKeyPair() : original.generateKeyPair()
        const theirs = fastTheirs ? fast.generateKeyPair() : original.generateKeyPair()
        const expected = original.calculateAgreement(theirs.pubKey, ours.privKey)
        assert.deepEqual(fast.calculateAgreement(theirs.pubKey, ours.privKey), expected)
        // and the other side reaches the same secret
        assert.deepEqual(original.calculateAgreement(ours.pubKey, theirs.privKey), expected)
      }),
      { numRuns: 200 },
    )
  })

  it('generates key pairs in libsignal\'s shape', () => {
    const pair = createFastX25519(original).generateKeyPair()
    assert.ok(Buffer.isBuffer(pair.pubKey) && Buffer.isBuffer(pair.privKey))
    assert.equal(pair.pubKey.byteLength, 33)
    assert.equal(pair.pubKey[0], 5)
    assert.equal(pair.privKey.byteLength, 32)
  })

  it('keeps generating key pairs under garbage-collection pressure (on Node 20, exporting a generated key object could deadlock there)', () => {
    // In a child process: a deadlock cannot be interrupted from inside. The old way hung within a few thousand pairs.
    const script = `
      import { createFastX25519, loadSignalCurve } from './src/whatsapp/fast-x25519.ts'
      const fast = createFastX25519(loadSignalCurve())
      const garbage = []
      for (let i = 0; i < 20000; i++) {
        fast.generateKeyPair()
        garbage.push(new Array(50).fill(i))
        if (garbage.length > 2000) garbage.length = 0
      }`
    const child = spawnSync(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000, encoding: 'utf8' })
    assert.equal(child.signal, null, 'the key generation hung')
    assert.equal(child.status, 0, child.stderr)
  })

  it('answers malformed input and small-order points exactly as libsignal does', () => {
    const fast = createFastX25519(original)
    const pair = original.generateKeyPair()
    const cases: Array<[unknown, unknown]> = [
      [pair.pubKey, new Uint8Array(pair.privKey)],
      [new Uint8Array(pair.pubKey), pair.privKey],
      [pair.pubKey, pair.privKey.subarray(1)],
      [pair.pubKey, undefined],
      [Buffer.concat([Buffer.of(6), pair.pubKey.subarray(1)]), pair.privKey],
      [pair.pubKey.subarray(0, 20), pair.privKey],
      [Buffer.alloc(34, 5), pair.privKey],
      // a point of small order: the shared secret would be all zeros, which OpenSSL refuses
      [Buffer.concat([Buffer.of(5), Buffer.alloc(32)]), pair.privKey],
    ]
    for (const [pub, priv] of cases) {
      const call = (curve: typeof original) => () => curve.calculateAgreement(pub as Buffer, priv as Buffer)
      assert.equal(outcome(call(fast)), outcome(call(original)))
    }
  })

  it('puts itself under libsignal and Baileys\' Curve once, and both still agree with the originals', () => {
    const originalSharedKey = Curve.sharedKey
    const a = original.generateKeyPair()
    const b = Curve.generateKeyPair()
    const expected = Buffer.from(originalSharedKey(a.privKey, b.public))
    installFastX25519(signal)
    installFastX25519(signal)
    assert.notEqual(signal.calculateAgreement, original.calculateAgreement)
    assert.notEqual(Curve.sharedKey, originalSharedKey)
    assert.deepEqual(Buffer.from(Curve.sharedKey(a.privKey, b.public)), expected)
    assert.deepEqual(Buffer.from(Curve.sharedKey(a.privKey, Buffer.concat([Buffer.of(5), b.public]))), expected)
    assert.deepEqual(signal.calculateAgreement(Buffer.concat([Buffer.of(5), b.public]), a.privKey), expected)
    // a pair from the replaced Curve.generateKeyPair works with the original agreement
    const c = Curve.generateKeyPair()
    assert.equal(c.public.byteLength, 32)
    assert.deepEqual(Buffer.from(Curve.sharedKey(c.private, a.pubKey.subarray(1))), original.calculateAgreement(Buffer.concat([Buffer.of(5), c.public]), a.privKey))
    // random bytes are a valid X25519 private key too
    const raw = randomBytes(32)
    const theirs = Buffer.concat([Buffer.of(5), b.public])
    assert.deepEqual(signal.calculateAgreement(theirs, raw), original.calculateAgreement(theirs, raw))
  })
})
