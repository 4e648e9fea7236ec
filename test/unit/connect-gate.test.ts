import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConnectGate } from '../../src/sessions/connect-gate.js'

describe('ConnectGate', () => {
  it('grants free slots at once, queues the rest in order, and hands each released slot on', () => {
    const gate = new ConnectGate(2)
    const entered: string[] = []
    const releases = new Map<string, () => void>()
    for (const name of ['a', 'b', 'c', 'd']) {
      gate.enter((release) => {
        entered.push(name)
        releases.set(name, release)
      })
    }
    assert.deepEqual(entered, ['a', 'b'])
    releases.get('a')!()
    releases.get('a')!()
    assert.deepEqual(entered, ['a', 'b', 'c'], 'a second release of the same slot grants nothing more')
    releases.get('b')!()
    assert.deepEqual(entered, ['a', 'b', 'c', 'd'])
    releases.get('c')!()
    releases.get('d')!()
    gate.enter((release) => {
      entered.push('e')
      release()
    })
    gate.enter(() => entered.push('f'))
    assert.deepEqual(entered.slice(4), ['e', 'f'])
  })
})
