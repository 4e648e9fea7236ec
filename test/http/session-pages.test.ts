import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startInProcessServer } from '../support/in-process-server.js'
import { waitFor } from '../support/wait-for.js'

const json = { 'content-type': 'application/json' }

describe('GET /api/sessions in pages, filtered (real app and SQLite, hand-driven WhatsApp connection)', async () => {
  const { server, connector, adminHeaders } = await startInProcessServer()
  const { app } = server
  const SESSIONS = 25
  const ids = Array.from({ length: SESSIONS }, (_, index) => `page-${String(index).padStart(2, '0')}`)
  for (const deviceId of ids) {
    const created = await app.inject({ method: 'POST', url: '/api/sessions', headers: { ...adminHeaders, ...json }, payload: { deviceId } })
    assert.equal(created.statusCode, 201)
  }
  // Every third one linked, to an account of its own. Twenty shake hands at a time, at a limited
  // rate: the last ones get their connection as the first ones open, or when the rate allows.
  const linked = ids.filter((_, index) => index % 3 === 0)
  for (const [index, deviceId] of linked.entries()) {
    const connection = await waitFor(() => connector.latest(deviceId), { what: `${deviceId}'s connection` })
    connection.emitOpen({ jid: `1555000${index}:3@s.whatsapp.net`, phoneNumber: `1555000${index}`, pushName: index === 2 ? 'Corner Bakery' : `Shop ${index}` })
  }
  const list = async (query: string) => {
    const response = await app.inject({ url: `/api/sessions${query}`, headers: adminHeaders })
    return { status: response.statusCode, body: response.json() }
  }
  const walk = async (query: string): Promise<{ pages: string[][]; totals: number[] }> => {
    const pages: string[][] = []
    const totals: number[] = []
    let cursor: string | null = null
    do {
      const page = await list(`?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      assert.equal(page.status, 200, JSON.stringify(page.body))
      pages.push(page.body.sessions.map((session: { deviceId: string }) => session.deviceId))
      totals.push(page.body.total)
      cursor = page.body.nextCursor
    } while (cursor !== null)
    return { pages, totals }
  }

  it('without a limit lists every session in creation order, as the seed did, with the total and no next page', async () => {
    const all = await list('')
    assert.equal(all.status, 200)
    assert.deepEqual(all.body.sessions.map((session: { deviceId: string }) => session.deviceId), ids)
    assert.equal(all.body.total, SESSIONS)
    assert.equal(all.body.nextCursor, null)
  })

  it('pages through every session once, in order, each page at most the limit', async () => {
    const { pages, totals } = await walk('limit=10')
    assert.deepEqual(pages.map((page) => page.length), [10, 10, 5])
    assert.deepEqual(pages.flat(), ids)
    assert.deepEqual(totals, [SESSIONS, SESSIONS, SESSIONS])
  })

  it('filters by connection state and by search (device id, phone number or push name, any case, + ignored), paging within the filter', async () => {
    const connected = await walk('limit=4&state=connected')
    assert.deepEqual(connected.pages.flat(), linked)
    assert.deepEqual(connected.pages.map((page) => page.length), [4, 4, 1])
    assert.equal(connected.totals[0], linked.length)
    assert.deepEqual((await list('?state=connecting')).body.sessions.map((session: { deviceId: string }) => session.deviceId), ids.filter((id) => !linked.includes(id)))
    assert.deepEqual((await list('?search=BAKERY')).body.sessions.map((session: { deviceId: string }) => session.deviceId), [linked[2]])
    assert.deepEqual((await list('?search=%2B15550001')).body.sessions.map((session: { deviceId: string }) => session.deviceId), [linked[1]])
    assert.deepEqual((await list('?search=page-1')).body.total, 10)
    assert.deepEqual((await list('?search=page-1&state=connected')).body.sessions.map((session: { deviceId: string }) => session.deviceId), ['page-12', 'page-15', 'page-18'])
    const none = await list('?search=nobody&limit=5')
    assert.deepEqual([none.body.sessions, none.body.total, none.body.nextCursor], [[], 0, null])
  })

  it('goes on after a page whose last session was deleted meanwhile', async () => {
    const first = await list('?limit=5')
    assert.equal(first.body.sessions.at(-1).deviceId, 'page-04')
    const deleted = await app.inject({ method: 'DELETE', url: '/api/sessions/page-04', headers: adminHeaders })
    assert.equal(deleted.statusCode, 200)
    const next = await list(`?limit=5&cursor=${encodeURIComponent(first.body.nextCursor)}`)
    assert.deepEqual(next.body.sessions.map((session: { deviceId: string }) => session.deviceId), ids.slice(5, 10))
    assert.equal(next.body.total, SESSIONS - 1)
  })

  it('refuses a bad limit, cursor or state with a 400 that names it', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=ten', 'limit'], ['?cursor=', 'cursor'], ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?state=asleep', 'state'], [`?search=${'x'.repeat(101)}`, 'search'],
    ] as const) {
      const refused = await list(query)
      assert.equal(refused.status, 400, `${query}: ${JSON.stringify(refused.body)}`)
      assert.equal(refused.body.success, false)
      assert.match(refused.body.error, new RegExp(field), query)
    }
  })

  it('is for the admin only', async () => {
    const response = await app.inject({ url: '/api/sessions?limit=5' })
    assert.equal(response.statusCode, 401)
  })
})
