import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { adaptBufferPool } from '../../src/whatsapp/buffer-pool-policy.js'
import { waitFor } from '../support/wait-for.js'

const logger = pino({ level: 'silent' })
/** Node's own size (8 KiB on Node 20, 64 KiB on 24). */
const NODE_POOL_BYTES = Buffer.poolSize
/** The ArrayBuffer behind a small Buffer: a shared pool block, or one of its own size. */
const blockOfSmallBuffer = (): number => Buffer.allocUnsafe(16).buffer.byteLength

describe('the Buffer pool follows the heap', () => {
  it('goes off above the line, so small Buffers get their own memory, and comes back below the lower one', async () => {
    assert.equal(blockOfSmallBuffer(), NODE_POOL_BYTES, 'Node\'s pool to begin with')
    const stopLarge = adaptBufferPool(logger, { offAboveHeapBytes: 0, onBelowHeapBytes: 0, checkEveryMs: 5 })
    try {
      await waitFor(() => Buffer.poolSize === 0, { what: 'the pool off' })
      assert.equal(blockOfSmallBuffer(), 16)
    } finally {
      stopLarge()
    }
    assert.equal(Buffer.poolSize, NODE_POOL_BYTES, 'stopping puts the pool back')

    Buffer.poolSize = 0
    const stopSmall = adaptBufferPool(logger, { offAboveHeapBytes: Number.MAX_SAFE_INTEGER, onBelowHeapBytes: Number.MAX_SAFE_INTEGER, checkEveryMs: 5 })
    try {
      await waitFor(() => Buffer.poolSize === NODE_POOL_BYTES, { what: 'the pool back' })
      assert.equal(blockOfSmallBuffer(), NODE_POOL_BYTES)
    } finally {
      stopSmall()
    }
  })

  it('leaves the pool alone between the two lines', async () => {
    const heap = process.memoryUsage().heapUsed
    const stop = adaptBufferPool(logger, { offAboveHeapBytes: heap * 100, onBelowHeapBytes: 1, checkEveryMs: 5 })
    let checks = 0
    const counting = setInterval(() => checks++, 5)
    try {
      await waitFor(() => checks >= 10, { what: 'a few checks' })
      assert.equal(Buffer.poolSize, NODE_POOL_BYTES)
      Buffer.poolSize = 0
      await waitFor(() => checks >= 20, { what: 'a few more checks' })
      assert.equal(Buffer.poolSize, 0, 'off stays off above the lower line')
    } finally {
      clearInterval(counting)
      stop()
    }
  })
})
