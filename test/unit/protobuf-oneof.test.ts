import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { proto } from '@whiskeysockets/baileys'
import { oneOfGetter, type OneOfGetter } from '../../src/whatsapp/protobuf-oneof.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** protobufjs' own oneOfGetter, from a fresh copy of its util module (the cached one is replaced). */
function stockOneOfGetter(): OneOfGetter {
  const require = createRequire(import.meta.resolve('@whiskeysockets/baileys'))
  const path = require.resolve('protobufjs/src/util/minimal.js')
  const cached = require.cache[path]
  delete require.cache[path]
  try {
    return (require(path) as { oneOfGetter: OneOfGetter }).oneOfGetter
  } finally {
    require.cache[path] = cached
  }
}

describe('protobufjs oneOfGetter replacement', () => {
  it('names the same field as protobufjs\' own getter, for any object and field list', () => {
    const stock = stockOneOfGetter()
    // Names Object.prototype has too; not __proto__, which no protobufjs message can have as a field.
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'constructor', 'toString')
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string(), fc.constant(0), fc.constant(''))
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 4 }), fc.array(fc.tuple(key, value), { maxLength: 6 }), (fields, entries) => {
        const message: Record<string, unknown> = {}
        for (const [name, field] of entries) Object.defineProperty(message, name, { value: field, enumerable: true, configurable: true, writable: true })
        assert.equal(oneOfGetter(fields).call(message), stock(fields).call(message))
      }),
    )
  })

  it('is what Baileys\' protobuf messages use once the server module is loaded', async () => {
    await import('../../src/server.js')
    // WAProto defines a getter per optional field that names it when it is set.
    const setField = (message: object): unknown => (message as { _rawId?: string })._rawId
    assert.equal(setField(proto.ADVDeviceIdentity.create({ rawId: 5 })), 'rawId')
    assert.equal(setField(proto.ADVDeviceIdentity.create({})), undefined)
  })

  it('leaves V8 room for new hidden classes from the empty object after Baileys loads', () => {
    // In a fresh process, as the server starts: objects built alike from {} share a hidden class only
    // while V8 can still record transitions from the empty object (1,536 at most).
    const probe = `
      import v8 from 'node:v8'
      v8.setFlagsFromString('--allow-natives-syntax')
      await import('./src/server.ts')
      await import('@whiskeysockets/baileys')
      const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)')
      const kept = []
      let room = 0
      while (room < 1000) {
        const key = 'probe_' + room
        const a = {}, b = {}
        a[key] = 1
        b[key] = 1
        if (!sameMap(a, b)) break
        kept.push(a)
        room++
      }
      process.stdout.write(String(room))
    `
    const room = Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' }))
    assert.equal(room, 1000, `only ${room} new transitions from {} were possible`)
  })
})
