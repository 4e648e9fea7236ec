import assert from 'node:assert/strict'
import { crc32, deflateSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import type { HistoryChat } from '../../sim/history-sync.js'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { DESKTOP, launchBrowser, openSignedIn, PHONE as PHONE_VIEWPORT, screenshot, type WatchedPage } from './support/browser.js'

const ADMIN_KEY = 'chat-view-admin-key-0123456789abcdef'
const PHONE = '15550007711'
const CONTACT = '15559993311'
const OTHER = '15559993322'
const HOSTILE = '<img src=x onerror=alert(1)> <b>bold?</b>'
const DAY = 24 * 3600_000
const now = Date.now()

const HISTORY: HistoryChat[] = [
  {
    chat: CONTACT,
    name: 'Ana (support)',
    unreadCount: 2,
    messages: [
      { id: 'CV-1', text: 'Hi, my order has not arrived', timestamp: now - 2 * DAY },
      { id: 'CV-2', fromMe: true, text: 'Sorry to hear that, checking now', timestamp: now - 2 * DAY + 60_000, status: 'read' },
      { id: 'CV-3', text: 'Order 1042, thanks', timestamp: now - DAY },
      { id: 'CV-4', text: HOSTILE, timestamp: now - DAY + 60_000 },
    ],
  },
  { chat: OTHER, name: 'Bruno', messages: [{ id: 'CV-5', text: 'See you Monday', timestamp: now - 3 * DAY }] },
]

/** A small solid-colour PNG, so the preview really decodes. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([15, 122, 109]))])
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}

describe('chat view in a real browser against the real server and the protocol simulator', async () => {
  const sim = await startSim()
  const browser = await launchBrowser()
  let server: ServerProcess
  let watched: WatchedPage
  let page: Page

  const chatItem = (name: string): Locator => page.locator('.chat-item', { hasText: name })
  const bubbles = (): Locator => page.locator('.messages .bubble')
  const bubble = (text: string): Locator => page.locator('.messages .bubble', { hasText: text })

  before(async () => {
    sim.setPhoneHistory(PHONE, HISTORY)
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    await createPairedSession(admin, sim, 'desk', PHONE)
    await waitFor(async () => ((await admin.get('/api/sessions/desk/chats')).body.chats as unknown[]).length === 2, { what: 'the history stored' })
    watched = await openSignedIn(browser, server.baseUrl, ADMIN_KEY)
    page = watched.page
  })
  after(async () => {
    await watched.context.close()
    await server.stop()
  })

  it('lists the chats with names, last message, unread badge; HTML stays text', async () => {
    await page.locator('.session-card[data-device-id="desk"]').click()
    await page.locator('.detail').getByRole('link', { name: 'Chats' }).click()
    await chatItem('Ana (support)').waitFor()
    assert.deepEqual(await page.locator('.chat-item .chat-name').allTextContents(), ['Ana (support)', 'Bruno'])
    const ana = chatItem('Ana (support)')
    assert.equal(await ana.locator('.chat-preview').textContent(), HOSTILE, 'the last message, as text')
    assert.equal(await ana.locator('.unread-badge').textContent(), '2')
    assert.equal(await page.locator('.chat-list img').count(), 0, 'no element came out of the message text')
  })

  it('opens a chat: both directions with ticks, read receipts go out, the badge clears', async () => {
    await chatItem('Ana (support)').click()
    await bubble('Order 1042').waitFor()
    assert.equal(await bubbles().count(), 4)
    assert.equal(await bubble('checking now').getAttribute('class'), 'bubble out')
    assert.equal(await bubble('checking now').locator('.tick').getAttribute('data-status'), 'read')
    assert.equal(await bubble('Order 1042').getAttribute('class'), 'bubble in')
    assert.equal(await bubble('bold?').locator('.bubble-text').textContent(), HOSTILE)
    assert.equal(await page.locator('.messages img, .messages b').count(), 0)
    const receipt = await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes('CV-4'))
    assert.deepEqual(receipt.kind === 'read' && [...receipt.ids].sort(), ['CV-3', 'CV-4'])
    await chatItem('Ana (support)').locator('.unread-badge').waitFor({ state: 'detached' })
  })

  it('replies with text and with a file; statuses tick forward live', async () => {
    await page.getByLabel('Message', { exact: true }).fill('It ships today')
    await page.getByRole('button', { name: 'Send' }).click()
    const text = await sim.waitForMessage((m) => m.text === 'It ships today' && m.to.startsWith(CONTACT))
    await bubble('It ships today').waitFor()
    await sim.sendReceipt(PHONE, text.id, 'read')
    await bubble('It ships today').locator('.tick[data-status="read"]').waitFor()

    await page.locator('.reply input[type="file"]').setInputFiles({ name: 'label.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 label') })
    await page.locator('.reply', { hasText: 'Attached: label.pdf' }).waitFor()
    await page.getByLabel('Message', { exact: true }).fill('the shipping label')
    await page.getByRole('button', { name: 'Send' }).click()
    const file = await sim.waitForMessage((m) => m.message.documentMessage?.fileName === 'label.pdf')
    assert.equal(file.message.documentMessage?.caption, 'the shipping label')
    assert.deepEqual(file.media?.data, Buffer.from('%PDF-1.4 label'))
    await bubble('the shipping label').waitFor()
  })

  it('shows arrivals live, with a photo preview and downloads, and marks them read while open', async () => {
    await page.evaluate('window.__notReloaded = true')
    const live = await sim.sendText(PHONE, CONTACT, 'Got it, thank you!')
    await bubble('Got it, thank you!').waitFor()
    await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(live.id))

    await sim.sendMedia(PHONE, CONTACT, { kind: 'image', data: png(240, 160), mimetype: 'image/png', caption: 'the parcel' })
    const image = bubble('the parcel').locator('img.media-preview')
    await image.waitFor()
    await waitFor(() => image.evaluate((element) => { const img = element as unknown as { complete: boolean; naturalWidth: number }; return img.complete && img.naturalWidth === 240 }), { what: 'the photo decoded' })
    await sim.sendMedia(PHONE, CONTACT, { kind: 'document', data: Buffer.from('invoice'), mimetype: 'application/pdf', fileName: 'invoice.pdf' })
    const download = bubble('invoice.pdf').getByRole('link', { name: 'Download invoice.pdf' })
    await download.waitFor()
    const response = await page.request.get((await download.getAttribute('href'))!)
    assert.equal(await response.text(), 'invoice')
    assert.equal(await page.evaluate('window.__notReloaded'), true, 'no reload')
  })

  it('works on a phone-sized screen: the list and the conversation take turns', async () => {
    await page.setViewportSize(PHONE_VIEWPORT)
    await page.getByRole('link', { name: '← Chats' }).waitFor()
    assert.equal(await page.locator('.chat-list-pane').isVisible(), false)
    assert.equal(await page.locator('.sessions-pane').isVisible(), false)
    await screenshot(page, 'phone-chat')
    await page.getByRole('link', { name: '← Chats' }).click()
    await chatItem('Bruno').waitFor()
    assert.equal(await page.locator('.conversation').isVisible(), false)
    await page.setViewportSize(DESKTOP)
    await chatItem('Ana (support)').click()
    await bubble('the parcel').waitFor()
    await screenshot(page, 'chats')
  })

  it('never opened a dialog, threw, or broke the CSP', () => {
    assert.deepEqual(watched.dialogs, [])
    assert.deepEqual(watched.problems, [])
  })
})
