import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { launchBrowser, openSignedIn, screenshot, type WatchedPage } from './support/browser.js'

const ADMIN_KEY = 'groups-view-admin-key-0123456789abcdef'
const PHONE = '15550007733'
const ANA = '15559995511'
const BRUNO = '15559995522'
const CARLA = '15559995533'
const HOSTILE = '<img src=x onerror=alert(1)> team'

describe('groups view in a real browser: members, settings, invites', async () => {
  const sim = await startSim()
  const browser = await launchBrowser()
  let server: ServerProcess
  let watched: WatchedPage
  let page: Page
  let group = ''

  before(async () => {
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    await createPairedSession(admin, sim, 'desk', PHONE)
    group = sim.createGroup({ subject: HOSTILE, participants: [ANA, BRUNO], owner: PHONE, description: 'Shift chat' }).jid
    watched = await openSignedIn(browser, server.baseUrl, ADMIN_KEY)
    page = watched.page
  })
  after(async () => {
    await watched.context.close()
    await server.stop()
  })

  it('lists the groups with their names as text and opens one with its members', async () => {
    await page.locator('.session-card[data-device-id="desk"]').click()
    await page.locator('.detail').getByRole('link', { name: 'Groups' }).click()
    await page.locator('.group-link', { hasText: HOSTILE }).click()
    await page.locator('.member', { hasText: `+${PHONE}` }).locator('.member-rank', { hasText: /^Owner$/ }).waitFor()
    assert.equal(await page.locator('.groups-view img').count(), 0, 'the subject made no element')
    assert.equal(await page.locator('.member').count(), 3)
    assert.equal(await page.getByLabel('Description').inputValue(), 'Shift chat')
  })

  it('promotes and removes members, adds one, and shows WhatsApp\'s answer for each', async () => {
    await page.getByRole('button', { name: `Make admin: +${ANA}` }).click()
    // the rank badge, not the "Make admin" button (a text match ignores case)
    await page.locator('.member', { hasText: `+${ANA}` }).locator('.member-rank', { hasText: /^Admin$/ }).waitFor()
    assert.ok(sim.groupOf(group)!.admins.has(ANA))
    await page.getByRole('button', { name: `Remove: +${BRUNO}` }).click()
    await page.locator('.member', { hasText: `+${BRUNO}` }).waitFor({ state: 'detached' })
    assert.ok(!sim.groupOf(group)!.participants.includes(BRUNO))
    await page.getByLabel('Add members (numbers, one per line)').fill(`+${CARLA}\n${ANA}`)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.locator('.member-results .form-ok', { hasText: `+${CARLA}: Done` }).waitFor()
    await page.locator('.member-results .form-error', { hasText: `${ANA}: Already a member` }).waitFor()
    assert.ok(sim.groupOf(group)!.participants.includes(CARLA))
  })

  it('changes the name and settings, and shows and revokes the invite link', async () => {
    await page.getByLabel('Name', { exact: true }).last().fill('Support team')
    await page.getByLabel('Only admins send messages').check()
    await page.getByLabel('Disappearing messages').selectOption('604800')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.locator('.toast', { hasText: 'Group settings saved.' }).waitFor()
    const state = sim.groupOf(group)!
    assert.deepEqual([state.subject, state.announce, state.ephemeral, state.locked], ['Support team', true, 604800, false])
    await page.locator('.group-link', { hasText: 'Support team' }).waitFor()

    await page.getByRole('button', { name: 'Invite link' }).click()
    await page.locator('.invite-link', { hasText: `https://chat.whatsapp.com/${sim.groupOf(group)!.inviteCode}` }).waitFor()
    const before = sim.groupOf(group)!.inviteCode
    await page.getByRole('button', { name: 'Revoke link' }).click()
    await page.getByRole('dialog', { name: 'Revoke the invite link?' }).getByRole('button', { name: 'Revoke link' }).click()
    await waitFor(() => sim.groupOf(group)!.inviteCode !== before, { what: 'the link revoked' })
    await page.locator('.invite-link', { hasText: sim.groupOf(group)!.inviteCode }).waitFor()
    await page.evaluate('window.scrollTo(0, 0)')
    await screenshot(page, 'groups')
  })

  it('creates a group from the form and leaves one after confirmation', async () => {
    await page.getByLabel('Name', { exact: true }).first().fill('Night shift')
    await page.getByLabel('Members (numbers with country code, one per line)').fill(`+${ANA}`)
    await page.getByRole('button', { name: 'Create group' }).click()
    await page.locator('.toast', { hasText: 'Group “Night shift” created.' }).waitFor()
    const created = await waitFor(() => findGroup((jid) => jid !== group && sim.groupOf(jid), page), { what: 'the new group open' })
    assert.equal(sim.groupOf(created)!.subject, 'Night shift')
    assert.deepEqual([...sim.groupOf(created)!.participants].sort(), [PHONE, ANA].sort())

    await page.getByRole('button', { name: 'Leave group' }).click()
    await page.getByRole('dialog', { name: 'Leave “Night shift”?' }).getByRole('button', { name: 'Leave group' }).click()
    await page.locator('.toast', { hasText: 'Left “Night shift”.' }).waitFor()
    assert.ok(!sim.groupOf(created)!.participants.includes(PHONE))
  })

  it('never opened a dialog, threw, or broke the CSP', () => {
    assert.deepEqual(watched.dialogs, [])
    assert.deepEqual(watched.problems, [])
  })
})

/** The JID of the group the URL shows, once the view moved to it. */
async function findGroup(groupOf: (jid: string) => unknown, page: Page): Promise<string | undefined> {
  const match = /\/groups\/([^/]+)$/.exec(new URL(page.url()).hash)
  const jid = match ? decodeURIComponent(match[1]!) : undefined
  return jid && groupOf(jid) ? jid : undefined
}
