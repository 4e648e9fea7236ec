import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { Ajv } from 'ajv'
import fastJsonStringify from 'fast-json-stringify'
import { RefResolver } from 'json-schema-ref-resolver'
import { sameHiddenClass } from '../support/v8-natives.js'

// What patches/ajv+*.patch, json-schema-ref-resolver+*.patch and fast-json-stringify+*.patch change:
// objects keyed by generated names and schema ids are dictionaries without a prototype.

const require = createRequire(import.meta.url)
const { Name, _Code } = require('ajv/dist/compile/codegen/code.js') as {
  Name: new (name: string) => { names: object }
  _Code: new (items: unknown[]) => { names: object }
}

describe('schema compilers at start-up', () => {
  it("count ajv's generated names in dictionaries, not in a hidden class per name", () => {
    // Each route's schema compiles to code with names of its own (data12, valid3): as keys of plain
    // objects, every new one took a slot in V8's table of transitions from {} until a full collection.
    assert.ok(sameHiddenClass(new Name('data12').names, new Name('valid3').names))
    const code = (name: string) => new _Code(['if (', new Name(name), ') return'])
    assert.ok(sameHiddenClass(code('errors7').names, code('props0').names))
  })

  it('find no schema under an id that is a property of Object.prototype', () => {
    const ajv = new Ajv()
    assert.equal(ajv.getSchema('constructor'), undefined)
    ajv.addSchema({ $id: 'toString', type: 'string' })
    assert.equal(ajv.getSchema('toString')?.('text'), true)

    const resolver = new RefResolver()
    assert.equal(resolver.hasSchema('constructor'), false)
    assert.throws(() => resolver.getSchema('hasOwnProperty'), /Schema with id "hasOwnProperty" is not found/)
    resolver.addSchema({ $id: 'valueOf', type: 'number' })
    assert.deepEqual(resolver.getSchema('valueOf'), { $id: 'valueOf', type: 'number' })
  })

  it('refuse a reference to an unknown schema named like a prototype property with a clear error', () => {
    const schema = { type: 'object', properties: { a: { $ref: 'constructor#/definitions/a' } } } as const
    assert.throws(() => fastJsonStringify(schema), /Schema with id "constructor" is not found/)
  })
})
