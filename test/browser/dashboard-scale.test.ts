import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { WA_VERSION } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { DESKTOP, launchBrowser, openPage, PHONE, type WatchedPage } from './support/browser.js'

const ADMIN_KEY = 'browser-admin-key-0123456789abcdef'
const HOSTILE_NAME = '<img src=x onerror=alert(1)>'
const COUNT = 10_000
const STATES = ['connected', 'connected', 'connected', 'qr', 'disconnected', 'reconnecting', 'failed', 'logged_out']

/** What GET /api/sessions would answer for a server with 10,000 sessions, one with a hostile push name. */
function manySessions() {
  return Array.from({ length: COUNT }, (_, i) => {
    const n = String(i).padStart(4, '0')
    return {
      deviceId: `device-${n}`,
      connectionState: STATES[i % STATES.length],
      hasApiKey: i % 2 === 0,
      apiKeyMasked: i % 2 === 0 ? `a1b2${n}...` : null,
      phoneNumber: `1555000${n}`,
      pushName: i === 500 ? HOSTILE_NAME : `Shop ${n}`,
      isActive: true,
      lastError: i === 500 ? '<b>boom</b>' : null,
      sendRatePerMinute: null,
      rejectCalls: false,
      rejectCallMessage: null,
      settings: {
        sendRatePerMinute: null, rejectCalls: false, rejectCallMessage: null, proxy: null, markOnline: false, autoRead: false,
        ignore: { groups: false, status: false, channels: false, broadcast: false },
        metadata: i === 500 ? { note: HOSTILE_NAME } : null, deviceName: i === 500 ? HOSTILE_NAME : null,
      },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }
  })
}

describe('dashboard with 10,000 sessions and hostile values (real server; the session list is stubbed in the browser)', async () => {
  const browser = await launchBrowser()
  let server: ServerProcess
  let watched: WatchedPage
  let page: Page
  /** The limit of each GET /api/sessions the dashboard made. */
  const pageRequests: number[] = []

  before(async () => {
    // No WhatsApp endpoint is needed: the server has no sessions of its own, the browser sees stubbed ones.
    server = await startServerProcess({ ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), WHATSAPP_VERSION: WA_VERSION })
    watched = await openPage(browser, server.baseUrl)
    page = watched.page
    const sessions = manySessions()
    await page.route((url) => url.pathname === '/api/sessions', (route) => {
      if (route.request().method() !== 'GET') return route.continue()
      // Pages as the server gives them; the stub's cursor is the index of the next session.
      const query = new URL(route.request().url()).searchParams
      const from = Number(query.get('cursor') ?? 0)
      const limit = Number(query.get('limit') ?? COUNT)
      pageRequests.push(limit)
      const next = from + limit < COUNT ? String(from + limit) : null
      return route.fulfill({ json: { success: true, sessions: sessions.slice(from, from + limit), total: COUNT, nextCursor: next } })
    })
    await page.goto('/')
    await page.getByLabel('Admin key').fill(ADMIN_KEY)
    await page.getByRole('button', { name: 'Sign in' }).click()
  })
  after(async () => {
    await watched.context.close()
    await server.stop()
  })

  it('draws only the cards in view of 10,000, scrolls to the last, and filters by text and by state', async (t) => {
    const listed = Date.now()
    await page.locator('#list-count', { hasText: '10,000 sessions' }).waitFor()
    await page.locator('.session-card[data-device-id="device-0000"]').waitFor()
    t.diagnostic(`10,000 sessions listed and drawn in ${Date.now() - listed} ms`)
    assert.deepEqual(pageRequests.slice(0, 10), Array(10).fill(1000), 'the list is read in pages of 1,000')
    const drawn = async (): Promise<number> => page.locator('.session-card').count()
    assert.ok(await drawn() < 100, `${await drawn()} cards drawn`)

    const list = page.locator('#session-list')
    await list.evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
    await page.locator('.session-card[data-device-id="device-9999"]').waitFor()
    assert.equal(await page.locator('.session-card[data-device-id="device-9999"]').isVisible(), true)
    assert.equal(await page.locator('.session-card[data-device-id="device-0000"]').count(), 0, 'the first card is no longer drawn')
    assert.ok(await drawn() < 100, `${await drawn()} cards drawn at the end`)
    await list.evaluate((element) => element.scrollTo({ top: element.scrollHeight / 2 }))
    await page.locator('.session-card[data-device-id^="device-49"], .session-card[data-device-id^="device-50"]').first().waitFor()
    await list.evaluate((element) => element.scrollTo({ top: 0 }))
    await page.locator('.session-card[data-device-id="device-0000"]').waitFor()

    const filtered = Date.now()
    await page.getByLabel('Search sessions').fill('device-0999')
    await page.locator('#list-count', { hasText: 'Showing 1 of 10,000 sessions' }).waitFor()
    t.diagnostic(`filtered 10,000 by text in ${Date.now() - filtered} ms`)
    assert.equal(await page.locator('.session-card[data-device-id="device-0999"]').isVisible(), true)
    assert.equal(await drawn(), 1)

    await page.getByLabel('Search sessions').fill('+15550000123')
    await page.locator('#list-count', { hasText: 'Showing 1 of 10,000 sessions' }).waitFor()
    await page.getByLabel('Search sessions').fill('')
    await page.getByLabel('Filter by state').selectOption('failed')
    await page.locator('#list-count', { hasText: `Showing ${(COUNT / STATES.length).toLocaleString('en-US')} of 10,000 sessions` }).waitFor()
    assert.deepEqual(
      new Set(await page.locator('.session-card [data-field="state"]').evaluateAll((badges) => badges.map((badge) => badge.getAttribute('data-state')))),
      new Set(['failed']),
    )
    await page.getByLabel('Filter by state').selectOption('')
    await page.locator('#list-count', { hasText: /^10,000 sessions$/ }).waitFor()
  })

  it('shows a push name and an error containing HTML as text, in the card and the details', async () => {
    await page.getByLabel('Search sessions').fill('device-0500')
    const card = page.locator('.session-card[data-device-id="device-0500"]')
    await card.getByText(HOSTILE_NAME, { exact: true }).waitFor()
    await card.click()
    await page.locator('.detail [data-field="account"]', { hasText: HOSTILE_NAME }).waitFor()
    await page.locator('.detail [data-field="lastError"]', { hasText: 'Last error: <b>boom</b>' }).waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'markup was injected')
    assert.equal(await page.locator('.detail b', { hasText: 'boom' }).count(), 0, 'markup was injected')
    assert.deepEqual(watched.dialogs, [])
    assert.deepEqual(watched.problems, [])
  })

  it('moves through the list with the keyboard', async () => {
    await page.goto('/#/')
    await page.getByLabel('Search sessions').fill('')
    await page.locator('#list-count', { hasText: /^10,000 sessions$/ }).waitFor()
    await page.getByLabel('Search sessions').focus()
    await page.keyboard.press('Tab') // the state filter
    await page.keyboard.press('Tab') // the first card
    await page.keyboard.press('Enter')
    await page.locator('.detail').getByRole('heading', { name: 'device-0000' }).waitFor()
    assert.match(page.url(), /#\/sessions\/device-0000$/)
  })

  it('on a phone, where the page scrolls rather than the list, draws the cards in view as the page moves', async () => {
    await page.setViewportSize(PHONE)
    try {
      await page.goto('/#/')
      await page.locator('.session-card[data-device-id="device-0000"]').waitFor()
      await page.evaluate('window.scrollTo({ top: document.documentElement.scrollHeight })')
      await page.locator('.session-card[data-device-id="device-9999"]').waitFor()
      assert.ok(await page.locator('.session-card').count() < 100)
      assert.equal(await page.locator('.session-card[data-device-id="device-0000"]').count(), 0)
    } finally {
      await page.setViewportSize(DESKTOP)
    }
  })
})
