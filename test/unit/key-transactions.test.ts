import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addTransactionCapability, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys'
import { pino } from 'pino'
import { socketTransactionStore } from '../../src/whatsapp/shared-transaction-context.js'

/** Baileys' key store with transactions, over a store that records its commits. */
function transactionalKeys(): { keys: ReturnType<typeof addTransactionCapability>; commits: SignalDataSet[] } {
  const commits: SignalDataSet[] = []
  const keys = addTransactionCapability({
    get: async <T extends keyof SignalDataTypeMap>() => ({}) as { [id: string]: SignalDataTypeMap[T] },
    set: async (data: SignalDataSet) => void commits.push(data),
  }, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 0, storage: socketTransactionStore() })
  return { keys, commits }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// The transactions' mutex is a promise chain (a patch), in place of async-mutex's.
describe("Baileys' key transactions", () => {
  it('run one at a time per key, in the order asked, each committed before the next begins', async () => {
    const { keys, commits } = transactionalKeys()
    const steps: string[] = []
    const transaction = (name: string) => keys.transaction(async () => {
      steps.push(`${name} begins after ${commits.length} commits`)
      await turn()
      await keys.set({ session: { [name]: new Uint8Array([1]) } })
      steps.push(`${name} ends`)
      return name
    }, 'me')
    assert.deepEqual(await Promise.all([transaction('a'), transaction('b'), transaction('c')]), ['a', 'b', 'c'])
    assert.deepEqual(steps, ['a begins after 0 commits', 'a ends', 'b begins after 1 commits', 'b ends', 'c begins after 2 commits', 'c ends'])
    assert.deepEqual(commits.map((data) => Object.keys(data.session!)), [['a'], ['b'], ['c']])
  })

  it('fail alone: a transaction that throws rejects its caller, commits nothing, and the next one runs', async () => {
    const { keys, commits } = transactionalKeys()
    const failing = keys.transaction(async () => {
      await keys.set({ session: { lost: new Uint8Array([1]) } })
      throw new Error('boom')
    }, 'me')
    const next = keys.transaction(async () => {
      await keys.set({ session: { kept: new Uint8Array([1]) } })
      return 'next'
    }, 'me')
    await assert.rejects(failing, /boom/)
    assert.equal(await next, 'next')
    assert.deepEqual(commits.map((data) => Object.keys(data.session!)), [['kept']])
    // the key's mutex is free again: a later transaction does not wait on the failed one
    assert.equal(await keys.transaction(async () => 'later', 'me'), 'later')
  })

  it('overlap across keys', async () => {
    const { keys } = transactionalKeys()
    let releaseFirst!: () => void
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve))
    const first = keys.transaction(() => firstHolds.then(() => 'first'), 'me')
    // runs to the end while the first, under another key, still holds its own
    assert.equal(await keys.transaction(async () => 'second', 'other'), 'second')
    releaseFirst()
    assert.equal(await first, 'first')
  })
})
