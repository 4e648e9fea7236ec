import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Curve } from '@whiskeysockets/baileys'
import { memoizeCurveVerify, memoizedVerify } from '../../src/whatsapp/curve-verify-memo.js'

describe('memoizeCurveVerify', () => {
  it('answers exactly as Baileys\' own Curve.verify, first time and from memory', () => {
    const original = Curve.verify
    const keys = Curve.generateKeyPair()
    const message = Buffer.from('certificate details')
    const signature = Buffer.from(Curve.sign(keys.private, message))
    const tampered = Buffer.from(message)
    tampered[0]! ^= 1
    const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
      [keys.public, message, signature],
      [keys.public, tampered, signature],
      [Curve.generateKeyPair().public, message, signature],
      [keys.public, message, Buffer.alloc(63)],
    ]
    const expected = cases.map((args) => original(...args))
    memoizeCurveVerify()
    memoizeCurveVerify()
    assert.notEqual(Curve.verify, original)
    for (let round = 0; round < 2; round++) assert.deepEqual(cases.map((args) => Curve.verify(...args)), expected)
  })

  it('asks the real check once per distinct input, within its bound', () => {
    const calls: string[] = []
    const verify = memoizedVerify((pubKey, message) => {
      calls.push(Buffer.from(message).toString())
      return pubKey[0] === 1
    }, 2)
    const key = Buffer.from([1])
    assert.equal(verify(key, Buffer.from('a'), Buffer.from('s')), true)
    assert.equal(verify(key, Buffer.from('a'), Buffer.from('s')), true)
    assert.equal(verify(Buffer.from([0]), Buffer.from('a'), Buffer.from('s')), false)
    assert.equal(verify(key, Buffer.from('b'), Buffer.from('s')), true)
    assert.deepEqual(calls, ['a', 'a', 'b'])
    // Bound of 2: the first answer was evicted and is checked again.
    verify(key, Buffer.from('a'), Buffer.from('s'))
    assert.deepEqual(calls, ['a', 'a', 'b', 'a'])
  })
})
