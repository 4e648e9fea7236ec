import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { ApiClient } from '../support/api-client.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { launchBrowser, openPage, PHONE as PHONE_VIEWPORT, screenshot, type WatchedPage } from './support/browser.js'

const ADMIN_KEY = 'browser-admin-key-0123456789abcdef'
const PHONE = '15550007777'
const PAIRING_PHONE = '15550008888'
const CONTACT = '15559993333'
const HOSTILE = '<img src=x onerror=alert(1)>'
/** Generous for loaded CI machines; inbound events normally show within a second. */
const INBOUND_TIMEOUT_MS = 20_000

/** The badge of a connected session. A string in hasText matches any text containing it, case-insensitively: "Disconnected" too. */
const CONNECTED = /^Connected$/

describe('dashboard in a real browser against the real server and the protocol simulator', async () => {
  // Short QR lifetimes make the live rotation observable within seconds.
  const sim = await startSim({ qrRefCount: 6 })
  const env = {
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: tempDir(),
    QR_TIMEOUT_MS: '3000',
    RECONNECT_BASE_DELAY_MS: '100',
    RECONNECT_MAX_DELAY_MS: '500',
  }
  const browser = await launchBrowser()
  let server: ServerProcess
  let admin: ApiClient
  let watched: WatchedPage
  let page: Page

  const card = (deviceId: string): Locator => page.locator(`.session-card[data-device-id="${deviceId}"]`)
  const detail = (): Locator => page.locator('.detail')
  const qrImage = (): Locator => detail().locator('img.qr-image')
  const toast = (text: string | RegExp): Locator => page.locator('.toast', { hasText: text })
  /** A marker on window: still there later means the page was never reloaded. */
  const markPage = () => page.evaluate('window.__notReloaded = true')
  const notReloaded = async () => assert.equal(await page.evaluate('window.__notReloaded'), true, 'the page reloaded')

  before(async () => {
    server = await startServerProcess(env)
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    watched = await openPage(browser, server.baseUrl)
    page = watched.page
  })
  after(async () => {
    // Close the page first: its open event stream would hold up the server's graceful shutdown.
    await watched.context.close()
    await server.stop()
    assert.ok(!server.output().includes(ADMIN_KEY), 'the admin key appeared in the logs')
  })

  it('signs in: a wrong key is refused with the reason, the right one sets an HttpOnly SameSite=Strict cookie', async () => {
    await page.goto('/')
    const keyInput = page.getByLabel('Admin key')
    await keyInput.waitFor()
    await screenshot(page, 'sign-in')

    await keyInput.fill('not-the-admin-key-at-all')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('#login-error', { hasText: 'Invalid admin API key' }).waitFor()
    assert.equal(await page.locator('#dashboard-view').isVisible(), false)

    await keyInput.fill(ADMIN_KEY)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Sessions' }).waitFor()
    await page.locator('#live-indicator', { hasText: 'Live' }).waitFor()

    const cookies = await watched.context.cookies()
    assert.equal(cookies.length, 1, JSON.stringify(cookies))
    assert.equal(cookies[0]!.httpOnly, true)
    assert.equal(cookies[0]!.sameSite, 'Strict')
    assert.ok(!cookies[0]!.value.includes(ADMIN_KEY))
    assert.equal(await page.evaluate('localStorage.length + sessionStorage.length'), 0, 'nothing kept in web storage')
    assert.equal(await keyInput.inputValue(), '', 'the key is cleared from the form')
  })

  it('refuses a hostile device ID, showing it and the error as text only', async () => {
    await page.getByRole('button', { name: 'New session' }).click()
    const dialog = page.getByRole('dialog', { name: 'New session' })
    await dialog.getByLabel('Device ID').fill(HOSTILE)
    await dialog.getByRole('button', { name: 'Create and link' }).click()
    await dialog.locator('#create-error', { hasText: 'may only contain letters, digits' }).waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'markup was injected')
    // The server refuses it too, and its message is what a user would see.
    const refused = await admin.post('/api/sessions', { deviceId: HOSTILE })
    assert.equal(refused.status, 400)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'hidden' })
  })

  it('creates a session: the QR shows at once with its countdown and is replaced live as WhatsApp rotates it', async () => {
    await markPage()
    await page.getByRole('button', { name: 'New session' }).click()
    const dialog = page.getByRole('dialog', { name: 'New session' })
    await dialog.getByLabel('Device ID').fill('shop')
    await dialog.getByRole('button', { name: 'Create and link' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await card('shop').waitFor()
    assert.match(page.url(), /#\/sessions\/shop$/)

    await qrImage().waitFor()
    const first = await qrImage().getAttribute('data-qr')
    const firstSrc = await qrImage().getAttribute('src')
    assert.ok(first && firstSrc?.startsWith('data:image/png;base64,'))
    await detail().locator('[data-field="qrCountdown"]', { hasText: /Expires in \d+ s/ }).waitFor()
    await screenshot(page, 'qr-code')

    await waitFor(async () => (await qrImage().getAttribute('data-qr')) !== first, { what: 'the QR code to rotate', timeoutMs: 10_000 })
    assert.notEqual(await qrImage().getAttribute('src'), firstSrc)
    await notReloaded()
  })

  it('a duplicate device ID shows the server’s error', async () => {
    await page.getByRole('button', { name: 'New session' }).click()
    const dialog = page.getByRole('dialog', { name: 'New session' })
    await dialog.getByLabel('Device ID').fill('shop')
    await dialog.getByRole('button', { name: 'Create and link' }).click()
    await dialog.locator('#create-error', { hasText: /already exists/i }).waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
  })

  it('the phone scans the QR and the card turns connected without a reload', async () => {
    // Marks this card's element: still marked afterwards means it was updated in place, not re-rendered.
    await card('shop').evaluate((element: any) => (element.sameCard = true))
    // Codes rotate every 3 s here: retry with the code showing now if the phone was too slow.
    await waitFor(async () => {
      const qr = await qrImage().getAttribute('data-qr', { timeout: 2000 })
      await sim.scanQr(qr!, { phoneNumber: PHONE })
      return true
    }, { what: 'a successful scan', timeoutMs: 15_000 })
    await card('shop').locator('.badge', { hasText: CONNECTED }).waitFor()
    await card('shop').getByText(`+${PHONE}`).waitFor()
    await detail().locator('[data-field="account"]', { hasText: `+${PHONE}` }).waitFor()
    assert.equal(await detail().locator('[data-section="link"]').isVisible(), false, 'the linking panel is gone')
    assert.equal(await card('shop').evaluate((element: any) => element.sameCard), true, 'the card was rebuilt')
    await notReloaded()
  })

  it('generates an API key shown once with a copy button, and sends a test message the phone receives', async () => {
    await detail().getByRole('button', { name: 'Generate key' }).click()
    const keyField = detail().getByLabel('New API key')
    await keyField.waitFor()
    const key = await keyField.inputValue()
    assert.ok(key.length >= 16, `key: ${key}`)
    assert.equal((await new ApiClient(server.baseUrl, key).get('/api/sessions/shop')).status, 200, 'the shown key works')

    await detail().getByRole('button', { name: 'Copy' }).first().click()
    await toast('API key copied').waitFor()
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), key)

    // The snippets show the masked key, never the full one.
    await card('shop').getByText(/^Key /).waitFor()
    const curl = await detail().locator('[data-snippet="curl"]').textContent()
    assert.match(curl!, /"deviceId":"shop"/)
    assert.ok(!curl!.includes(key), 'the full key is in a snippet')
    await detail().getByRole('button', { name: 'I stored it, hide the key' }).click()
    assert.equal(await detail().getByLabel('New API key').isVisible(), false)

    await detail().getByLabel(/^To/).fill(`+${CONTACT}`)
    await detail().getByLabel('Message', { exact: true }).fill('Hello from the dashboard')
    await detail().getByRole('button', { name: 'Send', exact: true }).click()
    await detail().locator('[data-field="sendResult"]', { hasText: `Sent to ${CONTACT}@s.whatsapp.net` }).waitFor()
    const received = await sim.waitForMessage((m) => m.text === 'Hello from the dashboard', 10_000)
    assert.equal(received.from, PHONE)

    await detail().getByRole('tab', { name: 'JavaScript' }).click()
    await detail().locator('[data-snippet="javascript"]').waitFor()
    await detail().getByRole('heading', { name: 'Use it from code' }).scrollIntoViewIfNeeded()
    await screenshot(page, 'session-details')
    await detail().getByRole('tab', { name: 'JavaScript' }).press('ArrowRight')
    assert.equal(await detail().getByRole('tab', { name: 'Python' }).getAttribute('aria-selected'), 'true', 'arrow keys switch tabs')
  })

  it('shows hostile values from WhatsApp (a received message) as text in the live events', async () => {
    await sim.sendText(PHONE, CONTACT, HOSTILE)
    await detail().locator('.event-log li[data-type="message.received"]', { hasText: HOSTILE }).waitFor({ timeout: INBOUND_TIMEOUT_MS })
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'markup was injected')
  })

  it('sets and clears the session\'s sending pace', async () => {
    const pace = detail().getByLabel('Messages per minute')
    await pace.fill('30')
    await detail().getByRole('button', { name: 'Save pace' }).click()
    await toast('Pace set to 30 messages per minute.').waitFor()
    assert.equal((await admin.get('/api/sessions/shop')).body.session.sendRatePerMinute, 30)
    await pace.fill('-5')
    await detail().getByRole('button', { name: 'Save pace' }).click()
    await detail().locator('[data-field="paceError"]', { hasText: /whole number/ }).waitFor()
    await pace.fill('')
    await detail().getByRole('button', { name: 'Save pace' }).click()
    await toast('Pace reset to the server default.').waitFor()
    assert.equal((await admin.get('/api/sessions/shop')).body.session.sendRatePerMinute, null)
  })

  it('turns automatic call rejection on with a text, and off again', async () => {
    await detail().getByLabel('Reject every call').check()
    await detail().getByLabel('Text to the caller (optional)').fill('Please write instead')
    await detail().getByRole('button', { name: 'Save calls' }).click()
    await toast('Calls will be rejected.').waitFor()
    const on = (await admin.get('/api/sessions/shop')).body.session
    assert.deepEqual([on.rejectCalls, on.rejectCallMessage], [true, 'Please write instead'])
    await detail().getByLabel('Reject every call').uncheck()
    await detail().getByRole('button', { name: 'Save calls' }).click()
    await toast('Calls will ring.').waitFor()
    assert.equal((await admin.get('/api/sessions/shop')).body.session.rejectCalls, false)
  })

  it('edits connection and behaviour settings, refusing invalid ones with the reason', async () => {
    const metadata = detail().getByLabel('Metadata (a JSON object added to every event)')
    const proxy = detail().getByLabel('New proxy (http://, https:// or socks5://)')
    const save = detail().getByRole('button', { name: 'Save settings' })
    const error = detail().locator('[data-field="behaviourError"]')
    await detail().getByLabel('Mark received messages read').check()
    await detail().getByLabel('Groups', { exact: true }).check()
    await detail().getByLabel('Name on the phone (used at the next link)').fill('Shop counter')
    await metadata.fill('[1, 2]')
    await save.click()
    await error.filter({ hasText: 'must be a JSON object' }).waitFor()
    await metadata.fill('{ "tenant": "acme" }')
    await proxy.fill('ftp://proxy.example.com')
    await save.click()
    await error.filter({ hasText: 'http, https or socks5' }).waitFor()
    await proxy.fill('')
    await save.click()
    await toast('Settings saved.').waitFor()
    const { settings } = (await admin.get('/api/sessions/shop')).body.session
    assert.deepEqual([settings.autoRead, settings.ignore.groups, settings.ignore.status, settings.metadata, settings.deviceName, settings.proxy],
      [true, true, false, { tenant: 'acme' }, 'Shop counter', null])
    assert.equal(await detail().getByRole('button', { name: 'Use the server\'s proxy' }).isVisible(), false)
  })

  it('creates a named key shown once, which works within its scopes, and revokes it', async () => {
    await detail().getByLabel('Key name').fill('billing <b>bot</b>')
    await detail().getByLabel('read', { exact: true }).check()
    await detail().getByRole('button', { name: 'Create key' }).click()
    const shown = detail().locator('#new-named-key')
    await waitFor(async () => (await shown.inputValue()).length === 32, { what: 'the new key shown' })
    const key = await shown.inputValue()
    const withKey = admin.withKey(key)
    assert.equal((await withKey.get('/api/sessions/shop')).status, 200, 'read is within its scopes')
    const refused = await withKey.put('/api/sessions/shop/profile', { about: 'x' })
    assert.deepEqual([refused.status, refused.body.missingScope], [403, 'manage'])
    await detail().getByRole('button', { name: 'I stored it, hide the key' }).click()
    assert.equal(await shown.inputValue(), '')
    const item = detail().locator('.named-keys li', { hasText: 'billing <b>bot</b>' })
    await item.filter({ hasText: 'send, read' }).waitFor()
    assert.equal(await detail().locator('.named-keys b').count(), 0, 'the name is text, not markup')

    await item.getByRole('button', { name: 'Revoke billing <b>bot</b>' }).click()
    await page.getByRole('dialog', { name: 'Revoke “billing <b>bot</b>”?' }).getByRole('button', { name: 'Revoke key' }).click()
    await toast('Key “billing <b>bot</b>” revoked.').waitFor()
    await item.waitFor({ state: 'detached' })
    assert.equal((await withKey.get('/api/sessions/shop')).status, 403)
  })

  it('says why a send fails when the session is not connected', async () => {
    await detail().getByRole('button', { name: 'Stop', exact: true }).click()
    await card('shop').locator('.badge', { hasText: 'Disconnected' }).waitFor()
    await detail().getByRole('button', { name: 'Send', exact: true }).click()
    await detail().locator('[data-field="sendError"]', { hasText: /not connected/i }).waitFor()
    // Reconnecting keeps the account: the dashboard asks for the session again only after a new link.
    const reads: string[] = []
    const countReads = (request: { method(): string; url(): string }): void => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === '/api/sessions/shop') reads.push(request.url())
    }
    page.on('request', countReads)
    // The start's answer ("connecting") is held until the stream has said "connected": an answer
    // older than the stream must not set the card back.
    let releaseAnswer!: () => void
    const answerHeld = new Promise<void>((resolve) => (releaseAnswer = resolve))
    const startPath = '**/api/sessions/shop/start'
    let answeredState: unknown
    await page.route(startPath, async (route) => {
      const response = await route.fetch()
      answeredState = ((await response.json()) as { session: { connectionState: string } }).session.connectionState
      await answerHeld
      await route.fulfill({ response })
    })
    await detail().getByRole('button', { name: 'Start', exact: true }).click()
    await card('shop').locator('.badge', { hasText: CONNECTED }).waitFor()
    releaseAnswer()
    await page.getByText('Session “shop” started.').waitFor()
    await page.unroute(startPath)
    assert.equal(answeredState, 'connecting', 'the held answer is older than the stream')
    assert.equal(await card('shop').locator('.badge').textContent(), 'Connected')
    await card('shop').getByText(`+${PHONE}`).waitFor()
    page.off('request', countReads)
    assert.deepEqual(reads, [], 'no read of the session for a reconnect')
  })

  it('links a second session with a pairing code instead of a QR', async () => {
    await page.getByRole('button', { name: 'New session' }).click()
    const dialog = page.getByRole('dialog', { name: 'New session' })
    await dialog.getByLabel('Device ID').fill('desk')
    await dialog.getByRole('button', { name: 'Create and link' }).click()
    await detail().getByRole('heading', { name: 'desk' }).waitFor()
    await qrImage().waitFor()

    await detail().getByRole('tab', { name: 'Phone number' }).click()
    await detail().getByLabel('Phone number with country code', { exact: true }).fill(`+${PAIRING_PHONE}`)
    await detail().getByRole('button', { name: 'Get pairing code' }).click()
    const codeElement = detail().locator('[data-field="pairingCode"]')
    await codeElement.waitFor()
    const code = await codeElement.getAttribute('data-code')
    assert.match(code!, /^[A-Z0-9]{8}$/)
    assert.equal(await codeElement.textContent(), `${code!.slice(0, 4)}-${code!.slice(4)}`)
    await sim.pairWithCode(PAIRING_PHONE, code!)
    await card('desk').locator('.badge', { hasText: CONNECTED }).waitFor()
    await card('desk').getByText(`+${PAIRING_PHONE}`).waitFor()
  })

  it('lists the sessions, searchable, and stays readable on a phone-sized screen', async () => {
    await page.goto('/#/sessions/shop')
    await card('shop').locator('.badge', { hasText: CONNECTED }).waitFor()
    await detail().getByRole('heading', { name: 'shop' }).waitFor()
    await screenshot(page, 'sessions')

    await page.getByLabel('Search sessions').fill(PAIRING_PHONE.slice(-4))
    await card('shop').waitFor({ state: 'hidden' })
    assert.equal(await card('desk').isVisible(), true)
    await page.locator('#list-count', { hasText: 'Showing 1 of 2 sessions' }).waitFor()
    await page.getByLabel('Search sessions').fill('')
    await page.getByLabel('Filter by state').selectOption('qr')
    await card('desk').waitFor({ state: 'hidden' })
    await page.getByLabel('Filter by state').selectOption('')

    await page.goto('/#/')
    await page.setViewportSize(PHONE_VIEWPORT)
    await screenshot(page, 'phone-sessions')
    await card('shop').click()
    await detail().getByRole('link', { name: '← All sessions' }).waitFor()
    assert.equal(await page.locator('.sessions-pane').isVisible(), false, 'on a phone the details replace the list')
    await screenshot(page, 'phone-session-details')
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('loads the list again by itself when loading it failed', async () => {
    // The first two loads of the list fail as a server in trouble answers; the third goes through.
    let failures = 0
    const isList = (url: URL): boolean => url.pathname === '/api/sessions'
    await page.route(isList, (route) => {
      if (route.request().method() !== 'GET' || failures === 2) return route.continue()
      failures++
      return route.fulfill({ status: 503, json: { success: false, error: 'The database is unavailable', code: 'storage_unavailable' } })
    })
    try {
      await page.reload()
      await toast(/Could not load the sessions: The database is unavailable\. Trying again in 2 s\./).waitFor()
      await toast(/Trying again in 4 s\./).waitFor({ timeout: 10_000 })
      // no click, no reload: the third load fills the list
      await card('shop').locator('.badge', { hasText: CONNECTED }).waitFor({ timeout: 15_000 })
      assert.equal(failures, 2)
    } finally {
      await page.unroute(isList)
    }
  })

  it('deletes a session only after confirmation', async () => {
    await page.goto('/#/sessions/desk')
    await detail().getByRole('button', { name: 'Delete', exact: true }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete “desk”?' })
    await confirm.waitFor()
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'hidden' })
    assert.equal((await admin.get('/api/sessions/desk')).status, 200, 'cancel kept the session')

    await detail().getByRole('button', { name: 'Delete', exact: true }).click()
    await confirm.getByRole('button', { name: 'Delete session' }).click()
    await card('desk').waitFor({ state: 'detached' })
    await toast('Session “desk” deleted.').waitFor()
    assert.equal((await admin.get('/api/sessions/desk')).status, 404)
    assert.match(page.url(), /#\/$/)
  })

  it('shows that the server is down, reconnects the live stream and catches up when it is back', async () => {
    await page.goto('/#/sessions/shop')
    await page.locator('#live-indicator', { hasText: 'Live' }).waitFor()
    const port = new URL(server.baseUrl).port
    // A crash: the server vanishes without closing anything.
    await server.stop('SIGKILL')
    await page.locator('#live-indicator', { hasText: 'Reconnecting' }).waitFor()
    await page.locator('#banner', { hasText: 'cannot be reached' }).waitFor()
    await detail().getByRole('button', { name: 'Restart' }).click()
    await toast(/Could not restart “shop”: The server cannot be reached/).waitFor()

    server = await startServerProcess({ ...env, PORT: port })
    await page.locator('#live-indicator', { hasText: 'Live' }).waitFor({ timeout: 20_000 })
    await page.locator('#banner').waitFor({ state: 'hidden' })
    // Restored after the restart; the list was reloaded, so it shows connected again.
    await card('shop').locator('.badge', { hasText: CONNECTED }).waitFor({ timeout: 20_000 })
  })

  it('signs out: the cookie is gone and a reload shows the sign-in form', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Admin key').waitFor()
    assert.deepEqual(await watched.context.cookies(), [])
    await page.reload()
    await page.getByLabel('Admin key').waitFor()
    assert.equal(await page.locator('#dashboard-view').isVisible(), false)
  })

  it('never opened a dialog, threw, or hit the Content-Security-Policy', () => {
    assert.deepEqual(watched.dialogs, [])
    assert.deepEqual(watched.problems, [])
  })
})
