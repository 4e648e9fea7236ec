import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pooledRandomBytes } from '@whiskeysockets/baileys'

// Baileys' small random draws (message ids, padding, message secrets) come from a pool (a patch).
describe('pooledRandomBytes', () => {
  it('hands out each byte once: many draws across refills of the pool are all different and independent', () => {
    // 16 bytes at a time, 40 times the pool's 4 KB: a repeated or overlapping draw would show as a duplicate
    const draws = Array.from({ length: 10_240 }, () => pooledRandomBytes(16))
    assert.equal(new Set(draws.map((bytes) => bytes.toString('hex'))).size, draws.length)
    assert.ok(draws.every((bytes) => bytes.length === 16))
    // each draw owns its memory: changing one changes no other
    const [first, second] = [pooledRandomBytes(32), pooledRandomBytes(32)]
    const secondBefore = Buffer.from(second)
    first.fill(0xff)
    assert.deepEqual(second, secondBefore)
    assert.notEqual(first.buffer, second.buffer)
  })

  it('draws of every size up to the pool and beyond, including ones that do not fit what is left', () => {
    for (const size of [0, 1, 7, 255, 256, 257, 4096, 10_000]) {
      assert.equal(pooledRandomBytes(size).length, size)
    }
    // looks random: over 64 KB in 1-byte draws, every byte value appears
    const seen = new Set<number>()
    for (let index = 0; index < 65_536; index++) seen.add(pooledRandomBytes(1)[0]!)
    assert.equal(seen.size, 256)
  })
})
