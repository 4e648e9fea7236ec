import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyedLock } from '../../src/sessions/keyed-lock.js'

describe('KeyedLock', () => {
  it('runs work for one key strictly one after another', async () => {
    const lock = new KeyedLock()
    const events: string[] = []
    const step = (name: string) => async () => {
      events.push(`${name}:start`)
      await new Promise((resolve) => setImmediate(resolve))
      events.push(`${name}:end`)
    }
    await Promise.all([lock.run('a', step('one')), lock.run('a', step('two')), lock.run('a', step('three'))])
    assert.deepEqual(events, ['one:start', 'one:end', 'two:start', 'two:end', 'three:start', 'three:end'])
  })

  it('lets different keys run concurrently', async () => {
    const lock = new KeyedLock()
    let releaseA!: () => void
    const a = lock.run('a', () => new Promise<void>((resolve) => (releaseA = resolve)))
    const b = await lock.run('b', () => 'b done')
    assert.equal(b, 'b done')
    releaseA()
    await a
  })

  it('keeps going after a failure and reports it to its caller only', async () => {
    const lock = new KeyedLock()
    await assert.rejects(lock.run('a', () => Promise.reject(new Error('boom'))), /boom/)
    assert.equal(await lock.run('a', () => 42), 42)
  })
})
