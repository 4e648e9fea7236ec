/**
 * Per-session token buckets: up to `burst` messages at once, then `perMinute` on average, each wait
 * stretched by up to 20% at random so bulk sends do not look machine-timed.
 */
export class SendPacer {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>()

  constructor(
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** 0 when a message may go now (and takes its token), else how many ms to wait. perMinute 0 means unlimited. */
  take(deviceId: string, perMinute: number): number {
    if (perMinute <= 0) return 0
    const msPerToken = 60_000 / perMinute
    const now = this.now()
    const bucket = this.buckets.get(deviceId) ?? { tokens: this.burst, updatedAt: now }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) / msPerToken)
    bucket.updatedAt = now
    this.buckets.set(deviceId, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    const wait = (1 - bucket.tokens) * msPerToken
    return Math.ceil(wait * (1 + 0.2 * this.random()))
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId)
  }
}
