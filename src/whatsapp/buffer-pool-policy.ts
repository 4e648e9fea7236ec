import { getHeapStatistics } from 'node:v8'
import type { Logger } from 'pino'

/** Node's own pool size, as it starts: small Buffers are slices of its blocks (8 KiB on Node 20, 64 KiB on 24). */
const NODE_POOL_BYTES = Buffer.poolSize

export interface BufferPoolPolicy {
  /** The pool goes off once the heap in use is above this. */
  offAboveHeapBytes: number
  /** ...and comes back once it is below this (lower, so a heap near the line does not flip it to and fro). */
  onBelowHeapBytes: number
  checkEveryMs: number
}

/**
 * Measured at 2,000 sessions (heap about 350 MB: the pool is better, 1.29x bare Baileys' CPU per
 * send against 1.40x without) and 4,000 (heap 450-650 MB: better without, 1.28x against 1.35x, and
 * p99 1.10x against 1.22x). See the README's benchmark section.
 */
const DEFAULT_BUFFER_POOL_POLICY: BufferPoolPolicy = {
  offAboveHeapBytes: 512 * 1024 * 1024,
  onBelowHeapBytes: 384 * 1024 * 1024,
  checkEveryMs: 5_000,
}

/**
 * Turns Node's Buffer pool off while the heap is large, and on again when it is small.
 *
 * Baileys makes many small Buffers per frame. From the pool they are cheap, but a pool block lives
 * as long as any slice of it, so blocks kept by a few long-lived slices pile up as ArrayBuffer memory;
 * V8 starts a full collection whenever that grows 64 MB past the last one. With a large heap each
 * such collection marks for most of a second, and on 2 cores its threads took both (the longest
 * stalls at 10,000 sessions). Without the pool each small Buffer is its own allocation: dearer per
 * Buffer, but sized to what it holds, and at 10,000 sessions no full collection came during sends.
 * With a small heap, full collections are cheap and the pool wins.
 */
export function adaptBufferPool(logger: Logger, policy: BufferPoolPolicy = DEFAULT_BUFFER_POOL_POLICY): () => void {
  const check = (): void => {
    const heap = getHeapStatistics().used_heap_size
    const pooled = Buffer.poolSize > 0
    if (pooled && heap > policy.offAboveHeapBytes) Buffer.poolSize = 0
    else if (!pooled && heap < policy.onBelowHeapBytes) Buffer.poolSize = NODE_POOL_BYTES
    else return
    logger.info({ heapUsedMB: Math.round(heap / 2 ** 20), bufferPoolBytes: Buffer.poolSize }, pooled ? 'large heap: small Buffers are now allocated one by one' : 'small heap: small Buffers come from the pool again')
  }
  const timer = setInterval(check, policy.checkEveryMs).unref()
  return () => {
    clearInterval(timer)
    Buffer.poolSize = NODE_POOL_BYTES
  }
}
