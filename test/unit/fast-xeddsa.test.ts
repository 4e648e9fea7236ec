import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Curve } from '@whiskeysockets/baileys'
import fc from 'fast-check'
import { createFastXEdDSA, installFastXEdDSA, loadXEdDSA, VerifiedSignatures, type XEdDSA } from '../../src/whatsapp/fast-xeddsa.js'

// curve25519-js's functions as shipped, captured before anything in this process replaces them.
const module = loadXEdDSA() as XEdDSA & { generateKeyPair(seed: Uint8Array): { public: Uint8Array } }
const original: XEdDSA = { sign: module.sign, verify: module.verify }
const publicKeyOf = (secretKey: Uint8Array): Uint8Array => module.generateKeyPair(secretKey).public
const outcome = (run: () => unknown): string => {
  try {
    const value = run()
    return `ok ${value instanceof Uint8Array ? Buffer.from(value).toString('hex') : String(value)}`
  } catch (error) {
    return `throws ${(error as Error).name}: ${(error as Error).message}`
  }
}
/** The order of Ed25519's base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

describe('fast XEdDSA', () => {
  it('signs so that curve25519-js accepts the signature for that key and message only, for any key and message', () => {
    const fast = createFastXEdDSA(original)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (secretKey, message) => {
        const signature = fast.sign(secretKey, message)
        assert.equal(signature.length, 64)
        assert.equal(original.verify(publicKeyOf(secretKey), message, signature), true)
        assert.equal(original.verify(publicKeyOf(secretKey), Buffer.concat([message, Buffer.of(1)]), signature), false)
        // randomised, as XEdDSA specifies: two signatures of the same message differ
        assert.notDeepEqual(Buffer.from(fast.sign(secretKey, message)), Buffer.from(signature))
      }),
      { numRuns: 40 },
    )
  })

  it('answers every check as curve25519-js: good, tampered, other key, other sign bit, malleated s', () => {
    const fast = createFastXEdDSA(original)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 63 }), fc.nat({ max: 7 }), (message, byte, bit) => {
        const keys = Curve.generateKeyPair()
        const signature = Buffer.from(original.sign(keys.private, message))
        const tampered = Buffer.from(signature)
        tampered[byte]! ^= 1 << bit
        const otherSign = Buffer.from(signature)
        otherSign[63]! ^= 128
        // s + L: curve25519-js accepts it, OpenSSL does not; the answer must still be the original's
        const s = BigInt(`0x${Buffer.from(signature.subarray(32)).reverse().toString('hex')}`) & ((1n << 255n) - 1n)
        const malleated = Buffer.concat([signature.subarray(0, 32), Buffer.from((s + L).toString(16).padStart(64, '0'), 'hex').reverse()])
        malleated[63]! |= signature[63]! & 128
        const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
          [keys.public, message, signature],
          [keys.public, message, tampered],
          [keys.public, message, otherSign],
          [keys.public, message, malleated],
          [Curve.generateKeyPair().public, message, signature],
          [keys.public, Buffer.concat([message, Buffer.of(0)]), signature],
        ]
        for (const args of cases) assert.equal(fast.verify(...args), original.verify(...args))
        assert.equal(fast.verify(keys.public, message, signature), true)
      }),
      { numRuns: 12 },
    )
  })

  it('answers odd keys (u = -1, u >= p, all zero) and malformed input exactly as curve25519-js', () => {
    const fast = createFastXEdDSA(original)
    const keys = Curve.generateKeyPair()
    const message = Buffer.from('details')
    const signature = Buffer.from(original.sign(keys.private, message))
    const p = (1n << 255n) - 19n
    const encode = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse()
    const cases: Array<[unknown, unknown, unknown]> = [
      [encode(p - 1n), message, signature],
      [encode(p + 3n), message, signature],
      [Buffer.alloc(32), message, signature],
      [Buffer.alloc(32, 0xff), message, signature],
      [keys.public.subarray(1), message, signature],
      [keys.public, message, signature.subarray(1)],
      [keys.public, 'details', signature],
      [Array.from(keys.public), message, signature],
    ]
    for (const [publicKey, text, sig] of cases) {
      const call = (curve: XEdDSA) => () => curve.verify(publicKey as Uint8Array, text as Uint8Array, sig as Uint8Array)
      assert.equal(outcome(call(fast)), outcome(call(original)))
    }
    const signings: Array<[unknown, unknown, unknown]> = [
      [keys.private.subarray(1), message, undefined],
      [keys.private, 'details', undefined],
      [Array.from(keys.private), message, undefined],
      [keys.private, message, new Uint8Array(10)],
    ]
    for (const [secretKey, text, random] of signings) {
      const call = (curve: XEdDSA) => () => curve.sign(secretKey as Uint8Array, text as Uint8Array, random as Uint8Array | undefined)
      assert.equal(outcome(call(fast)), outcome(call(original)))
    }
    // an all-zero key clamps to a valid scalar: signed, and checked as curve25519-js checks
    assert.equal(original.verify(publicKeyOf(Buffer.alloc(32)), message, fast.sign(Buffer.alloc(32), message)), true)
  })

  it('answers a check it has seen from memory only for the same key, message and signature', () => {
    const fast = createFastXEdDSA(original)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 95 }), fc.nat({ max: 7 }), (text, byte, bit) => {
        const keys = Curve.generateKeyPair()
        const message = Buffer.from(text)
        const signature = Buffer.from(original.sign(keys.private, message))
        assert.equal(fast.verify(keys.public, message, signature), true)
        assert.equal(fast.verify(keys.public, message, signature), true)
        // one bit off anywhere in the key or the signature: checked anew, as curve25519-js answers
        const args = [Buffer.from(keys.public), Buffer.from(message), Buffer.from(signature)] as const
        if (byte < 32) args[0][byte]! ^= 1 << bit
        else args[2][byte - 32]! ^= 1 << bit
        assert.equal(fast.verify(...args), original.verify(...args))
        const longer = Buffer.concat([message, Buffer.of(0)])
        assert.equal(fast.verify(keys.public, longer, signature), original.verify(keys.public, longer, signature))
      }),
      { numRuns: 12 },
    )
  })

  it('remembers copies of the signatures it keeps, the most recently used up to its capacity', () => {
    const memory = new VerifiedSignatures(2)
    const entry = (n: number) => [Buffer.alloc(32, n), Buffer.from(`message ${n}`), Buffer.alloc(64, n)] as const
    const [key, message, signature] = entry(1)
    memory.add(key, message, signature)
    assert.equal(memory.has(...entry(1)), true)
    message[0] = 0
    assert.equal(memory.has(...entry(1)), true, 'the caller changing its buffer changes nothing remembered')
    assert.equal(memory.has(Buffer.alloc(32, 9), Buffer.from('message 1'), Buffer.alloc(64, 1)), false)
    assert.equal(memory.has(Buffer.alloc(32, 1), Buffer.from('message 9'), Buffer.alloc(64, 1)), false)
    memory.add(...entry(2))
    assert.equal(memory.has(...entry(1)), true)
    memory.add(...entry(3))
    assert.equal(memory.has(...entry(2)), false, 'the least recently used went first')
    assert.equal(memory.has(...entry(1)), true)
    assert.equal(memory.has(...entry(3)), true)
  })

  it('puts itself under libsignal and Baileys\' Curve once', () => {
    const keys = Curve.generateKeyPair()
    const message = Buffer.from('intermediate certificate')
    const expected = Buffer.from(Curve.sign(keys.private, message))
    installFastXEdDSA(module)
    installFastXEdDSA(module)
    assert.notEqual(module.sign, original.sign)
    assert.notEqual(module.verify, original.verify)
    assert.equal(original.verify(keys.public, message, Curve.sign(keys.private, message)), true)
    assert.equal(Curve.verify(keys.public, message, expected), true)
    assert.equal(module.verify(keys.public, message, expected), true)
    assert.equal(module.verify(keys.public, Buffer.from('other'), expected), false)
  })
})
