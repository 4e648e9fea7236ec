import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { launchBrowser, openSignedIn, screenshot, type WatchedPage } from './support/browser.js'

const ADMIN_KEY = 'people-view-admin-key-0123456789abcdef'
const PHONE = '15550007722'
const ANA = '15559994411'
const BRUNO = '15559994422'
const HOSTILE = '<img src=x onerror=alert(1)> hi'

describe('people view in a real browser: profile, privacy, contacts', async () => {
  const sim = await startSim()
  const browser = await launchBrowser()
  let server: ServerProcess
  let watched: WatchedPage
  let page: Page

  before(async () => {
    sim.setPhoneHistory(PHONE, [
      { chat: ANA, name: 'Ana (support)', messages: [{ id: 'PV-1', text: 'hello', timestamp: Date.now() - 60_000 }] },
      { chat: BRUNO, name: 'Bruno', messages: [{ id: 'PV-2', text: 'hi', timestamp: Date.now() - 120_000 }] },
    ])
    sim.setProfile(ANA, { about: HOSTILE, picture: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]) })
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    await createPairedSession(admin, sim, 'desk', PHONE)
    await waitFor(async () => ((await admin.get('/api/sessions/desk/contacts')).body.contacts as unknown[]).length >= 2, { what: 'the contacts stored' })
    // The profile name is app state, written with the key the phone shares after linking; the
    // history the phone sent before the change still names the old one, so set it until it holds.
    await waitFor(async () => {
      if ((await admin.get('/api/sessions/desk/profile')).body.name === 'Desk') return true
      await admin.put('/api/sessions/desk/profile', { name: 'Desk' })
      return false
    }, { what: 'the profile name set' })
    watched = await openSignedIn(browser, server.baseUrl, ADMIN_KEY)
    page = watched.page
  })
  after(async () => {
    await watched.context.close()
    await server.stop()
  })

  it('edits the profile: name, about and a new picture', async () => {
    await page.locator('.session-card[data-device-id="desk"]').click()
    await page.locator('.detail').getByRole('link', { name: 'People & profile' }).click()
    const name = page.getByLabel('Name', { exact: true })
    await waitFor(async () => (await name.inputValue()) === 'Desk', { what: 'the profile loaded' })
    await name.fill('Front desk')
    await page.getByLabel('About', { exact: true }).fill('Replies within the hour')
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#2b6cb0' } }).png().toBuffer()
    await page.getByLabel('New picture (optional)').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png })
    await page.getByRole('button', { name: 'Save profile' }).click()
    await page.locator('.toast', { hasText: 'Profile saved.' }).waitFor()
    assert.equal(sim.profileOf(PHONE).about?.text, 'Replies within the hour')
    assert.ok(sim.appStatePushes(PHONE).some((push) => push.action.pushNameSetting?.name === 'Front desk'))
    assert.deepEqual([...sim.profileOf(PHONE).picture!.jpeg.subarray(0, 2)], [0xff, 0xd8])
    await page.locator('.session-card[data-device-id="desk"]', { hasText: 'Front desk' }).waitFor()
    // The browser does not trust the simulator's certificate: the picture falls back to the initial.
    await page.locator('[data-field="profilePicture"] .avatar', { hasText: 'F' }).waitFor()
  })

  it('changes privacy settings', async () => {
    await page.getByLabel('Who sees last seen').selectOption('none')
    await page.getByLabel('Read receipts').selectOption('none')
    await page.getByRole('button', { name: 'Save privacy' }).click()
    await page.locator('.toast', { hasText: 'Privacy settings saved.' }).waitFor()
    assert.deepEqual([sim.profileOf(PHONE).privacy.last, sim.profileOf(PHONE).privacy.readreceipts], ['none', 'none'])
  })

  it('searches contacts, shows one\'s about as text, and blocks it', async () => {
    await page.locator('.contact-name', { hasText: 'Bruno' }).waitFor()
    await page.getByLabel('Search contacts').fill('ana')
    await page.locator('.contact-name', { hasText: 'Bruno' }).waitFor({ state: 'detached' })
    await page.locator('.contact-summary', { hasText: 'Ana (support)' }).click()
    await page.locator('.contact-details', { hasText: `About: ${HOSTILE}` }).waitFor()
    assert.equal(await page.locator('.contact-details img').count(), 0, 'the about text made no element')
    await page.getByRole('button', { name: 'Block', exact: true }).click()
    await page.getByRole('button', { name: 'Unblock' }).waitFor()
    assert.deepEqual([...sim.profileOf(PHONE).blocked.values()], [`${ANA}@s.whatsapp.net`])
    await screenshot(page, 'people')
  })

  it('never opened a dialog, threw, or broke the CSP', () => {
    assert.deepEqual(watched.dialogs, [])
    assert.deepEqual(watched.problems, [])
  })
})
