import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Boom } from '@hapi/boom'
import { promiseTimeout as baileysPromiseTimeout } from '@whiskeysockets/baileys'
import { frameTimeout, promiseTimeout } from '../../src/whatsapp/query-timeout.js'

/** Timers alive in this process: a settled timeout must leave none behind. */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
type Outcome = { value?: unknown; message?: string; status?: number; boom?: boolean }
const outcomeOf = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ value }),
    (error: Error & { output?: { statusCode: number } }) => ({ message: error.message, status: error.output?.statusCode, boom: error instanceof Boom }),
  )

/** Named, so that the stack a timeout reports can be checked for its caller. */
function askTheSlowServer(ms: number): Promise<never> {
  return promiseTimeout<never>(ms, () => undefined)
}

describe('query timeouts', () => {
  it("give Baileys' outcomes: the promise's own, or its Timed Out error", async () => {
    const executors: Array<[number | undefined, (resolve: (value: unknown) => void, reject: (error: unknown) => void) => void]> = [
      [60_000, (resolve) => setImmediate(() => resolve('answer'))],
      [60_000, (resolve) => resolve('at once')],
      [60_000, (_, reject) => reject(new Boom('Query Cancelled'))],
      [5, () => undefined],
      [0, (resolve) => resolve('no timeout')],
      [undefined, (resolve) => setImmediate(() => resolve('no timeout either'))],
    ]
    for (const [ms, executor] of executors) {
      const baileys = await outcomeOf(baileysPromiseTimeout(ms, executor))
      assert.deepEqual(await outcomeOf(promiseTimeout(ms, executor)), baileys, `after ${ms} ms`)
      assert.deepEqual(await outcomeOf(frameTimeout(ms, executor)), baileys, `a frame's, after ${ms} ms`)
    }
  })

  it('format no stack and leave no timer behind for promises that settle in time', async () => {
    const before = timers()
    let formatted = 0
    const original = Error.prepareStackTrace
    Error.prepareStackTrace = (error, frames) => {
      formatted++
      return original ? original(error, frames) : `${error}`
    }
    try {
      assert.equal(await promiseTimeout(60_000, (resolve) => setImmediate(() => resolve('answer'))), 'answer')
      await assert.rejects(promiseTimeout(60_000, (_, reject) => reject(new Boom('refused'))), /refused/)
    } finally {
      Error.prepareStackTrace = original
    }
    // Boom('refused') formats none either: V8 formats a stack when it is read
    assert.equal(formatted, 0)
    assert.equal(timers(), before)
  })

  it("carry the caller's stack when they fire", async () => {
    const error = (await askTheSlowServer(5).catch((reason: unknown) => reason)) as Boom
    assert.match((error.data as { stack: string }).stack, /askTheSlowServer/)
  })

  it('capture no stack for a frame, and leave no timer behind', async () => {
    const before = timers()
    let captured = 0
    const OriginalError = globalThis.Error
    // Counts Error objects made while the frame's timeout runs: capturing a stack means making one.
    globalThis.Error = new Proxy(OriginalError, { construct: (target, args) => (captured++, Reflect.construct(target, args)) })
    try {
      assert.equal(await frameTimeout(60_000, (resolve) => setImmediate(() => resolve('written'))), 'written')
    } finally {
      globalThis.Error = OriginalError
    }
    assert.equal(captured, 0)
    assert.equal(timers(), before)
    const error = (await frameTimeout(5, () => undefined).catch((reason: unknown) => reason)) as Boom
    assert.equal(error.output.statusCode, 408)
    assert.equal((error.data as { stack?: string }).stack, undefined)
  })
})
