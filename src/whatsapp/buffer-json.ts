import { BufferJSON } from '@whiskeysockets/baileys'

/** Baileys' JSON form of keys and credentials: byte arrays as `{ type: 'Buffer', data: base64 }`. */
export const toBufferJson = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer)

/**
 * What `JSON.parse(text, BufferJSON.reviver)` gives, without handing the reviver to JSON.parse.
 * Since V8 12 (Node 22+) a reviver also receives the source text of every primitive, in a new
 * `{ source }` object per primitive: a key record has dozens of them, and each object is built
 * from `{}` through V8's table of transitions, which makes a hidden class of its own whenever that
 * table is full. Here the text is parsed plainly and the same reviver is applied to every object
 * and array, children before their holder, as JSON.parse applies it; primitives it returns as they
 * are, so they are not visited.
 */
export function fromBufferJson<T>(text: string): T {
  return revive('', JSON.parse(text)) as T
}

function revive(key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const holder = value as Record<string, unknown>
  for (const childKey of Object.keys(holder)) {
    const child = holder[childKey]
    const revived = revive(childKey, child)
    // An own "__proto__" key (JSON.parse makes one) is assigned as a key, not as the prototype.
    if (revived !== child) holder[childKey] = revived
  }
  return BufferJSON.reviver(key, value)
}
