import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createFastSignalMacs, installFastSignalMacs, loadSignalMacs } from '../../src/whatsapp/fast-signal-macs.js'

// libsignal's functions as shipped, captured before anything in this process replaces them.
const signal = loadSignalMacs()
const original = { calculateMAC: signal.calculateMAC, deriveSecrets: signal.deriveSecrets, verifyMAC: signal.verifyMAC }
const fast = createFastSignalMacs(original)
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((array) => Buffer.from(array))
const outcome = (run: () => unknown): string => {
  try {
    const result = run()
    return `ok ${Array.isArray(result) ? result.map((part: Buffer) => part.toString('hex')).join(',') : result instanceof Buffer ? result.toString('hex') : String(result)}`
  } catch (error) {
    return `throws ${(error as Error).name}: ${(error as Error).message}`
  }
}

describe("libsignal's MACs in WebAssembly", () => {
  it('computes the same HMAC-SHA256 as libsignal, for any key and data', () => {
    fc.assert(
      fc.property(bytes(0, 100), bytes(0, 600), (key, data) => {
        const mac = fast.calculateMAC(key, data)
        assert.ok(Buffer.isBuffer(mac))
        assert.equal(mac.toString('hex'), original.calculateMAC(key, data).toString('hex'))
      }),
      { numRuns: 500 },
    )
  })

  it("derives the same secrets as libsignal's HKDF, with its infos and any other", () => {
    const info = fc.oneof(
      fc.constantFrom('WhisperText', 'WhisperRatchet', 'WhisperMessageKeys').map((text) => Buffer.from(text)),
      bytes(0, 40),
    )
    fc.assert(
      fc.property(bytes(0, 96), bytes(31, 33), info, fc.constantFrom(undefined, 0, 1, 2, 3, 4, 2.5), (input, salt, infoBytes, chunks) => {
        const mine = outcome(() => fast.deriveSecrets(input, salt, infoBytes, chunks))
        assert.equal(mine, outcome(() => original.deriveSecrets(input, salt, infoBytes, chunks)))
        if (mine.startsWith('ok')) assert.ok(fast.deriveSecrets(input, salt, infoBytes, chunks).every((part) => Buffer.isBuffer(part) && part.byteLength === 32))
      }),
      { numRuns: 500 },
    )
  })

  it('accepts and refuses the same MACs as libsignal, with its errors', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(0, 200), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 6, max: 10 }), (key, data, damage, length) => {
        const mac = Buffer.from(original.calculateMAC(key, data).subarray(0, 8))
        if (damage === 1) mac[0]! ^= 1
        if (damage === 2) mac.fill(0)
        const presented = damage === 3 ? mac.subarray(0, 7) : mac
        assert.equal(outcome(() => fast.verifyMAC(data, key, presented, length)), outcome(() => original.verifyMAC(data, key, presented, length)))
      }),
      { numRuns: 300 },
    )
  })

  it("refuses what libsignal refuses, with libsignal's errors", () => {
    const key = Buffer.alloc(32, 1)
    const cases: Array<() => unknown> = [
      () => fast.calculateMAC(new Uint8Array(32) as Buffer, key),
      () => fast.deriveSecrets(key, Buffer.alloc(16), Buffer.from('WhisperText')),
      () => fast.deriveSecrets('input' as unknown as Buffer, key, Buffer.from('WhisperText')),
      () => fast.verifyMAC(key, key, 'mac' as unknown as Buffer, 8),
    ]
    for (const run of cases) assert.match(outcome(run), /^throws (TypeError|Error)/)
  })

  it('is what libsignal calls once installed, once per process', () => {
    installFastSignalMacs(signal)
    const installed = signal.calculateMAC
    assert.notEqual(installed, original.calculateMAC)
    installFastSignalMacs(signal)
    assert.equal(signal.calculateMAC, installed)
    const key = Buffer.alloc(32, 7)
    assert.deepEqual(signal.deriveSecrets(key, key, Buffer.from('WhisperRatchet'), 2), original.deriveSecrets(key, key, Buffer.from('WhisperRatchet'), 2))
  })
})
