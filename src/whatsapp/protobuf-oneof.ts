import { createRequire } from 'node:module'

/**
 * Loaded before Baileys (server.ts imports it first): replaces protobufjs' oneOfGetter in
 * the copy Baileys' WAProto uses, before WAProto's 2,200-odd calls to it at load.
 *
 * The stock getter keeps each oneof's field names as the keys of a plain object. V8 records at most
 * 1,536 hidden-class transitions from the empty object, and those field names used them all. After
 * that, every object built from `{}` whose first key was not among them got a hidden class of its own,
 * made afresh each time: libsignal's session records (keyed by base keys and chain ids, different for
 * every session), Baileys' maps keyed by JIDs, Node's request headers. With a thousand sessions that
 * was a third more CPU per message, much of it in garbage collection. A Set behaves the same.
 */
export type OneOfGetter = (fieldNames: string[]) => (this: Record<string, unknown>) => string | undefined

/** Which of a oneof's fields is set: the last own key, in key order, that is one of them and holds a value. */
export const oneOfGetter: OneOfGetter = (fieldNames) => {
  const fields = new Set(fieldNames)
  return function setField() {
    const keys = Object.keys(this)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      if (fields.has(key) && this[key] !== undefined && this[key] !== null) return key
    }
    return undefined
  }
}

const requireFromBaileys = createRequire(import.meta.resolve('@whiskeysockets/baileys'))
const protobuf = requireFromBaileys('protobufjs/minimal.js') as { util: { oneOfGetter: OneOfGetter } }
protobuf.util.oneOfGetter = oneOfGetter
