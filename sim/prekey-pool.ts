/** One-time pre-keys a client uploaded, packed into flat buffers (812 per login adds up at 1,000 sessions). */
export class PreKeyPool {
  private ids = new Uint32Array(0)
  private publicKeys = Buffer.alloc(0)
  private next = 0

  get count(): number {
    return this.ids.length - this.next
  }

  add(keys: Array<{ id: number; publicKey: Uint8Array }>): void {
    const ids = new Uint32Array(this.count + keys.length)
    ids.set(this.ids.subarray(this.next))
    const publicKeys = Buffer.alloc(ids.length * 32)
    this.publicKeys.copy(publicKeys, 0, this.next * 32)
    keys.forEach((key, i) => {
      ids[this.count + i] = key.id
      publicKeys.set(key.publicKey, (this.count + i) * 32)
    })
    this.ids = ids
    this.publicKeys = publicKeys
    this.next = 0
  }

  /** Hands out the oldest unused key, as the server does for a key-bundle fetch. */
  take(): { id: number; publicKey: Buffer } | undefined {
    if (this.next >= this.ids.length) return undefined
    const i = this.next++
    return { id: this.ids[i]!, publicKey: Buffer.from(this.publicKeys.subarray(i * 32, i * 32 + 32)) }
  }
}
