import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'people-admin-key-0123456789abcdef'
const PHONE = '15550005511'
const SHOP = '15559995511'
const SHOP_JID = `${SHOP}@s.whatsapp.net`
const PRIVATE = '15559995522'
const NOBODY = '15559995533'

describe('people against the protocol simulator: contacts, LIDs, blocking, own profile, privacy', async () => {
  const sim = await startSim()
  let server: ServerProcess
  let admin: ApiClient
  let client: ApiClient
  let shopLid = ''

  before(async () => {
    sim.setProfile(SHOP, { about: 'Fixing bikes since 1998', picture: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]), business: { description: 'Bikes and repairs' } })
    sim.setProfile(PRIVATE, { about: 'secret', picture: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 7]), privacy: { status: 'none', profile: 'none' } })
    sim.notOnWhatsApp.add(NOBODY)
    server = await startServerProcess({ ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir() })
    admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = admin.withKey(await createPairedSession(admin, sim, 'desk', PHONE))
  })
  after(() => server.stop())

  it('describes a person: on WhatsApp, phone number and LID, "about", picture, business; privacy and non-users respected', async () => {
    const shop = await client.get(`/api/sessions/desk/contacts/+${SHOP}`)
    assert.equal(shop.status, 200, JSON.stringify(shop.body))
    const { lid, pictureUrl, ...rest } = shop.body
    assert.match(lid, /^\d{15}@lid$/)
    assert.match(pictureUrl, /^https:\/\//)
    assert.deepEqual(rest, {
      success: true, jid: SHOP_JID, phoneNumber: SHOP, exists: true, name: null, pushName: null,
      about: 'Fixing bikes since 1998', isBusiness: true, blocked: false,
    })
    shopLid = lid

    const hidden = (await client.get(`/api/sessions/desk/contacts/${PRIVATE}`)).body
    assert.deepEqual([hidden.exists, hidden.about, hidden.pictureUrl, hidden.isBusiness], [true, null, null, false])
    const nobody = (await client.get(`/api/sessions/desk/contacts/${NOBODY}`)).body
    assert.deepEqual([nobody.exists, nobody.lid, nobody.about, nobody.pictureUrl], [false, null, null, null])

    const byLid = (await client.get(`/api/sessions/desk/contacts/${shopLid}`)).body
    assert.deepEqual([byLid.jid, byLid.phoneNumber, byLid.lid, byLid.about], [SHOP_JID, SHOP, shopLid, 'Fixing bikes since 1998'])
  })

  it('resolves a LID to the phone number WhatsApp revealed, and says why when it did not', async () => {
    const resolved = await client.get(`/api/sessions/desk/lids/${shopLid}`)
    assert.deepEqual(resolved.body, { success: true, lid: shopLid, phoneNumber: SHOP, jid: SHOP_JID })
    assert.deepEqual((await client.get(`/api/sessions/desk/lids/${shopLid.split('@')[0]}`)).body.phoneNumber, SHOP, 'digits alone work too')
    const unknown = await client.get('/api/sessions/desk/lids/999999999999999@lid')
    assert.equal(unknown.status, 404)
    assert.match(unknown.body.error, /has not revealed the phone number/)
    assert.equal((await client.get(`/api/sessions/desk/lids/${SHOP_JID}`)).status, 400)
  })

  it('blocks and unblocks: WhatsApp keeps the LID, the API shows the phone number too', async () => {
    const blocked = await client.post(`/api/sessions/desk/contacts/${SHOP}/block`)
    assert.deepEqual(blocked.body, { success: true, jid: SHOP_JID })
    assert.deepEqual([...sim.profileOf(PHONE).blocked], [[shopLid, SHOP_JID]])
    assert.deepEqual((await client.get('/api/sessions/desk/blocklist')).body.blocklist, [{ jid: SHOP_JID, phoneNumber: SHOP, lid: shopLid }])
    assert.equal((await client.get(`/api/sessions/desk/contacts/${SHOP}`)).body.blocked, true)

    assert.equal((await client.post(`/api/sessions/desk/contacts/${shopLid}/unblock`)).status, 200)
    assert.deepEqual((await client.get('/api/sessions/desk/blocklist')).body.blocklist, [])
    assert.equal(sim.profileOf(PHONE).blocked.size, 0)
  })

  it('reads and changes the account\'s own profile: name (app state), "about", picture', async () => {
    const before = (await client.get('/api/sessions/desk/profile')).body
    assert.deepEqual({ ...before, lid: undefined }, { success: true, name: `User ${PHONE.slice(-4)}`, about: null, pictureUrl: null, phoneNumber: PHONE, lid: undefined })
    assert.match(before.lid, /^\d{15}@lid$/)

    const about = await client.put('/api/sessions/desk/profile', { about: 'Replies within the hour' })
    assert.equal(about.body.about, 'Replies within the hour', JSON.stringify(about.body))
    assert.equal(sim.profileOf(PHONE).about?.text, 'Replies within the hour')

    // The name is app state: it needs the key the phone shares right after linking.
    const renamed = await waitFor(async () => {
      const response = await client.put('/api/sessions/desk/profile', { name: 'Front desk' })
      return response.status !== 409 && response
    }, { what: 'the app-state key' })
    assert.equal(renamed.body.name, 'Front desk', JSON.stringify(renamed.body))
    assert.ok(sim.appStatePushes(PHONE).some((push) => push.action.pushNameSetting?.name === 'Front desk'))
    assert.equal((await admin.get('/api/sessions/desk')).body.session.pushName, 'Front desk')

    const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#0f7a6d' } }).png().toBuffer()
    const pictured = await client.put('/api/sessions/desk/profile', { picture: { base64: png.toString('base64') } })
    assert.equal(pictured.status, 200, JSON.stringify(pictured.body))
    assert.match(pictured.body.pictureUrl, /^https:\/\//)
    const jpeg = sim.profileOf(PHONE).picture!.jpeg
    assert.deepEqual(await sharp(jpeg).metadata().then(({ format, width, height }) => [format, width, height]), ['jpeg', 640, 640])

    assert.deepEqual((await client.delete('/api/sessions/desk/profile/picture')).body, { success: true })
    assert.equal(sim.profileOf(PHONE).picture, null)
    assert.equal((await client.get('/api/sessions/desk/profile')).body.pictureUrl, null)
  })

  it('reads and changes privacy settings', async () => {
    const initial = (await client.get('/api/sessions/desk/profile/privacy')).body.privacy
    assert.deepEqual(initial, { lastSeen: 'all', online: 'all', profilePicture: 'all', about: 'all', readReceipts: 'all', groupsAdd: 'all', calls: 'all', messages: 'all' })
    const changed = await client.put('/api/sessions/desk/profile/privacy', { lastSeen: 'contacts', readReceipts: 'none', calls: 'known' })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.deepEqual({ ...changed.body.privacy }, { ...initial, lastSeen: 'contacts', readReceipts: 'none', calls: 'known' })
    assert.deepEqual([sim.profileOf(PHONE).privacy.last, sim.profileOf(PHONE).privacy.readreceipts], ['contacts', 'none'])
  })

  it('answers bad input with a 4xx and changes nothing', async () => {
    const privacyBefore = { ...sim.profileOf(PHONE).privacy }
    const aboutBefore = sim.profileOf(PHONE).about?.text
    const cases: Array<[string, string, unknown, number]> = [
      ['GET', '/api/sessions/desk/contacts/120363000000000001@g.us', undefined, 400],
      ['GET', '/api/sessions/desk/contacts/not-a-number', undefined, 400],
      ['POST', '/api/sessions/desk/contacts/120363000000000001@g.us/block', undefined, 400],
      ['POST', '/api/sessions/desk/contacts/888888888888888@lid/block', undefined, 404],
      ['PUT', '/api/sessions/desk/profile/privacy', { lastSeen: 'everyone' }, 400],
      ['PUT', '/api/sessions/desk/profile/privacy', { online: 'none' }, 400],
      ['PUT', '/api/sessions/desk/profile/privacy', {}, 400],
      ['PUT', '/api/sessions/desk/profile', {}, 400],
      ['PUT', '/api/sessions/desk/profile', { name: '   ' }, 400],
      ['PUT', '/api/sessions/desk/profile', { about: 'x'.repeat(140) }, 400],
      ['PUT', '/api/sessions/desk/profile', { about: 'never set', picture: { base64: Buffer.from('not an image').toString('base64') } }, 400],
      ['PUT', '/api/sessions/desk/profile', { picture: { url: 'http://127.0.0.1/logo.png' } }, 400],
      ['PUT', '/api/sessions/desk/profile', { about: 'never set', picture: { base64: Buffer.from('still no image').toString('base64'), mimetype: 'image/png' } }, 400],
    ]
    for (const [method, path, body, status] of cases) {
      const response = await client.request(method, path, body)
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.success, false)
    }
    assert.deepEqual(sim.profileOf(PHONE).privacy, privacyBefore)
    assert.equal(sim.profileOf(PHONE).about?.text, aboutBefore)

    assert.equal((await admin.post('/api/sessions', { deviceId: 'idle' })).status, 201)
    for (const path of ['/api/sessions/idle/profile', `/api/sessions/idle/contacts/${SHOP}`, '/api/sessions/idle/blocklist']) {
      assert.equal((await admin.get(path)).status, 409, path)
    }
  })
})
