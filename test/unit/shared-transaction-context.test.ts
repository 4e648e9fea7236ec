import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, it } from 'node:test'
import { withSharedTransactionContext } from '../../src/whatsapp/shared-transaction-context.js'
import { makeStore } from '../support/als-factory.js'

describe('withSharedTransactionContext', () => {
  it('hands every store built inside the window the same instance, and only there', () => {
    const first = withSharedTransactionContext(makeStore)
    const second = withSharedTransactionContext(makeStore)
    assert.equal(first, second)
    assert.ok(first instanceof AsyncLocalStorage)
    const outside = makeStore()
    assert.notEqual(outside, first)
    assert.equal(AsyncLocalStorage.name, 'AsyncLocalStorage')
  })

  it('keeps concurrent async chains apart on the shared store', async () => {
    const store = withSharedTransactionContext(makeStore)
    const seen: Array<[string, unknown]> = []
    const chain = (name: string) =>
      store.run(name, async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((resolve) => setImmediate(resolve))
          seen.push([name, store.getStore()])
        }
      })
    await Promise.all([chain('socket A'), chain('socket B')])
    assert.ok(seen.every(([name, value]) => name === value))
    assert.equal(store.getStore(), undefined)
  })

  it('restores the real class even when creation throws', () => {
    assert.throws(() => withSharedTransactionContext(() => { throw new Error('boom') }), /boom/)
    assert.notEqual(makeStore(), makeStore())
  })
})
