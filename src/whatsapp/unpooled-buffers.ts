/**
 * Moves every byte array in a parsed value (plain objects and arrays, as JSON gives them) into one
 * ArrayBuffer of its own, in place, and returns the value (a byte array itself comes back as a
 * copy). Buffers parsed from base64 are slices of Node's shared 8 KB pool blocks, and one slice
 * keeps its whole block alive: the keys a session holds for long (its credentials, a dozen keys of
 * 32-64 bytes; cached keys such as its contacts' tokens) kept one to two blocks alive per session in
 * heap snapshots. After this they keep their own bytes.
 */
export function unpoolBuffers<T>(value: T): T {
  if (value instanceof Uint8Array) return Buffer.from(new Uint8Array(value).buffer) as T
  const slots: Array<{ holder: Record<string | number, unknown>; key: string | number; bytes: Uint8Array }> = []
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return
    const holder = node as Record<string | number, unknown>
    for (const key of Object.keys(holder)) {
      const child = holder[key]
      if (child instanceof Uint8Array) slots.push({ holder, key, bytes: child })
      else visit(child)
    }
  }
  visit(value)
  if (slots.length === 0) return value
  const total = slots.reduce((sum, slot) => sum + slot.bytes.byteLength, 0)
  // allocUnsafeSlow: never from the pool; every byte is written below.
  const block = Buffer.allocUnsafeSlow(total)
  let offset = 0
  for (const { holder, key, bytes } of slots) {
    block.set(bytes, offset)
    holder[key] = block.subarray(offset, offset + bytes.byteLength)
    offset += bytes.byteLength
  }
  return value
}
