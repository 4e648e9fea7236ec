import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openDatabase } from '../../src/store/sqlite/database.js'
import { createSqliteDeliveryRepository } from '../../src/store/sqlite/delivery-repository.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { DELETE_CHUNK_ROWS, deleteOldestFirst } from '../../src/store/sqlite/oldest-first-delete.js'
import { tempDir } from '../support/temp-dir.js'

const queued = (webhookId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ webhookId, deviceId: 'dev1', eventId: `e${from + i}`, eventType: 'message.received', body: '{}' }))

describe('deleteOldestFirst', () => {
  it('walks a chunk a turn and ends where the table ended when it began: rows stored meanwhile stay', async () => {
    const db = openDatabase(tempDir())
    const deliveries = createSqliteDeliveryRepository(db, new GroupCommit(db))
    const count = DELETE_CHUNK_ROWS * 2 + 1
    await deliveries.enqueue(queued('w1', 0, count))
    const ofWebhook = deleteOldestFirst(db, 'webhook_deliveries', 'webhook_id = ?')
    let walked = false
    const walking = ofWebhook(Number.POSITIVE_INFINITY, 'w1').then((deleted) => ((walked = true), deleted))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(walked, false, 'the walk gave the event loop a turn')
    await deliveries.enqueue(queued('w1', count, 3))
    assert.equal(await walking, count)
    assert.deepEqual((await deliveries.list('pending', 10)).map((d) => d.eventId).sort(), [`e${count}`, `e${count + 1}`, `e${count + 2}`])
  })

  it('stops at the first row stored since the cutoff and deletes only the rows its condition names', async () => {
    const db = openDatabase(tempDir())
    const deliveries = createSqliteDeliveryRepository(db, new GroupCommit(db))
    await deliveries.enqueue([...queued('w1', 0, 3), ...queued('w2', 3, 2)])
    db.prepare('UPDATE webhook_deliveries SET created_at = 1000 WHERE seq <= 4').run()
    db.prepare('UPDATE webhook_deliveries SET created_at = 5000 WHERE seq > 4').run()
    assert.equal(await deleteOldestFirst(db, 'webhook_deliveries', 'webhook_id = ?')(2000, 'w1'), 3)
    assert.deepEqual((await deliveries.list('pending', 10)).map((d) => d.eventId).sort(), ['e3', 'e4'])
    // a row stored with an older time after a newer one (the clock set back) waits: the walk stops at the newer one
    await deliveries.enqueue(queued('w2', 5, 1))
    db.prepare(`UPDATE webhook_deliveries SET created_at = 1000 WHERE event_id = 'e5'`).run()
    assert.equal(await deleteOldestFirst(db, 'webhook_deliveries')(2000), 1)
    assert.equal(await deleteOldestFirst(db, 'webhook_deliveries')(2000), 0)
    assert.deepEqual((await deliveries.list('pending', 10)).map((d) => d.eventId).sort(), ['e4', 'e5'])
  })
})
