/**
 * Copies of rows kept in memory and re-read when another node says they changed. Reads run on a
 * connection pool and may finish out of order; one started after a change was announced sees at
 * least that change, so each key's copy must come from the latest read started that covered it,
 * never from an older one finishing later: that would stand until the row next changed. A read of
 * one key and a read of all of them (after missed notices) are ordered alike.
 */
export class LatestReads {
  private started = 0
  private underWay = 0
  /** Per key, the read its copy (or its absence) came from; only needed while reads are under way. */
  private readonly copiedFrom = new Map<string, number>()

  /**
   * Runs `read`, then `apply` with its result and `isLatest(key)`: true when no read started after
   * this one has set that key's copy yet (and records that this one now has).
   */
  async run<T>(read: () => Promise<T>, apply: (result: T, isLatest: (key: string) => boolean) => void): Promise<T> {
    const order = ++this.started
    this.underWay++
    try {
      const result = await read()
      apply(result, (key) => {
        if ((this.copiedFrom.get(key) ?? 0) > order) return false
        this.copiedFrom.set(key, order)
        return true
      })
      return result
    } finally {
      // Every read from now on is newer than all of these.
      if (--this.underWay === 0) this.copiedFrom.clear()
    }
  }
}
