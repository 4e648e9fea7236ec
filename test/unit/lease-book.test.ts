import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LeaseBook } from '../../src/cluster/lease-book.js'

describe('LeaseBook', () => {
  it('stops holding a lease being handed over at once, while its writes still pass the fence until it is gone', () => {
    const book = new LeaseBook('node-a')
    book.add({ deviceId: 'shop', epoch: 3 })
    assert.equal(book.holds('shop'), true)
    book.beginRelease('shop')
    assert.equal(book.holds('shop'), false, 'nothing may start the session here again')
    assert.equal(book.epochOf('shop'), 3, 'the closing socket may still write under its epoch')
    assert.deepEqual(book.leases(), [], 'not renewed any more')
    assert.deepEqual(book.remove('shop'), { deviceId: 'shop', epoch: 3 })
    assert.equal(book.epochOf('shop'), undefined)
    assert.equal(book.remove('shop'), undefined)
  })

  it('tells its listener about fenced writes', () => {
    const book = new LeaseBook('node-a')
    const fenced: string[] = []
    book.whenFenced((deviceId) => fenced.push(deviceId))
    book.onFenced('shop')
    assert.deepEqual(fenced, ['shop'])
  })
})
