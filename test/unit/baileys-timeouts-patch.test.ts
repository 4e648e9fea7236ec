import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { delayCancellable, DisconnectReason, promiseTimeout } from '@whiskeysockets/baileys'

/** Timers alive in this process: a settled promiseTimeout must leave none behind. */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

/** Named, so that the stack a timeout reports can be checked for its caller. */
function askTheSlowServer(ms: number): Promise<never> {
  return promiseTimeout<never>(ms, () => undefined)
}

describe("Baileys' timeouts, patched to format stacks only when they are reported", () => {
  it('settles with the promise, formats no stack and leaves no timer behind', async () => {
    const before = timers()
    let formatted = 0
    const original = Error.prepareStackTrace
    Error.prepareStackTrace = (error, frames) => {
      formatted++
      return original ? original(error, frames) : `${error}`
    }
    try {
      assert.equal(await promiseTimeout(60_000, (resolve) => setImmediate(() => resolve('answer'))), 'answer')
      assert.equal(await promiseTimeout(60_000, (resolve) => resolve('at once')), 'at once')
    } finally {
      Error.prepareStackTrace = original
    }
    assert.equal(formatted, 0, 'stacks formatted for promises that settled in time')
    await assert.rejects(promiseTimeout(60_000, (_, reject) => reject(new Error('refused'))), /refused/)
    assert.equal(timers(), before)
  })

  it("times out with Baileys' error, carrying the caller's stack", async () => {
    const error = await askTheSlowServer(5).then(() => assert.fail('resolved'), (reason: unknown) => reason as { message: string; output: { statusCode: number }; data: { stack: string } })
    assert.equal(error.message, 'Timed Out')
    assert.equal(error.output.statusCode, DisconnectReason.timedOut)
    assert.match(error.data.stack, /askTheSlowServer/)
  })

  it("reports a cancelled delay with the stack of whoever started it", async () => {
    function waitABit() {
      return delayCancellable(60_000)
    }
    const { delay, cancel } = waitABit()
    cancel()
    const error = await delay.then(() => assert.fail('resolved'), (reason: unknown) => reason as { message: string; data: { stack: string } })
    assert.equal(error.message, 'Cancelled')
    assert.match(error.data.stack, /waitABit/)
  })
})
