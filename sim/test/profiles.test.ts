import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import sharp from 'sharp'
import type { Simulator } from '../index.js'
import { eventually, simWithLinkedClient, type TestClient } from './client.js'

const CONTACT = '15559998888'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`
let sim: Simulator
let client: TestClient
let phoneNumber: string
let close: () => Promise<void>

before(async () => ({ sim, client, phoneNumber, close } = await simWithLinkedClient()))
after(() => close())

test('"about" texts: the contact\'s as usync status (hidden by its privacy), the account\'s own set', async () => {
  sim.setProfile(CONTACT, { about: 'Busy building' })
  const [found] = (await client.sock.fetchStatus(CONTACT_JID)) as unknown as Array<{ id: string; status: { status: string; setAt: Date } }>
  assert.equal(found?.status.status, 'Busy building')
  assert.ok(Math.abs(found!.status.setAt.getTime() - Date.now()) < 5_000)
  sim.setProfile(CONTACT, { privacy: { status: 'none' } })
  const [hidden] = (await client.sock.fetchStatus(CONTACT_JID)) as unknown as Array<{ status: { status: string } }>
  assert.equal(hidden?.status.status, '')

  await client.sock.updateProfileStatus('Out of office until Monday')
  assert.equal(sim.profileOf(phoneNumber).about?.text, 'Out of office until Monday')
})

test('pictures: 404 without one, the url with one, 401 when hidden; the account sets and removes its own JPEG', async () => {
  await assert.rejects(client.sock.profilePictureUrl(CONTACT_JID, 'image'), (error: { message: string; data: number }) =>
    error.message === 'item-not-found' && error.data === 404)
  sim.setProfile(CONTACT, { picture: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) })
  const url = await client.sock.profilePictureUrl(CONTACT_JID, 'image')
  assert.match(url ?? '', /^https:\/\/127\.0\.0\.1:\d+\//)
  sim.setProfile(CONTACT, { privacy: { profile: 'none' } })
  await assert.rejects(client.sock.profilePictureUrl(CONTACT_JID), (error: { data: number }) => error.data === 401)

  const png = await sharp({ create: { width: 80, height: 40, channels: 3, background: '#0f7a6d' } }).png().toBuffer()
  await client.sock.updateProfilePicture(client.sock.user!.id, png)
  const stored = sim.profileOf(phoneNumber).picture
  assert.deepEqual([...stored!.jpeg.subarray(0, 2)], [0xff, 0xd8], 'a JPEG')
  assert.ok(await client.sock.profilePictureUrl(client.sock.user!.id, 'image'))
  await client.sock.removeProfilePicture(client.sock.user!.id)
  assert.equal(sim.profileOf(phoneNumber).picture, null)
})

test('blocking goes by LID, the list answers LIDs; unblocking empties it', async () => {
  await client.sock.updateBlockStatus(CONTACT_JID, 'block')
  const blocked = await client.sock.fetchBlocklist()
  assert.equal(blocked.length, 1)
  assert.match(String(blocked[0]), /^\d+@lid$/)
  assert.deepEqual([...sim.profileOf(phoneNumber).blocked.values()], [CONTACT_JID])
  await client.sock.updateBlockStatus(blocked[0]!, 'unblock')
  assert.deepEqual(await client.sock.fetchBlocklist(), [])
})

test('privacy settings are kept per account; business profiles answer only for businesses', async () => {
  await client.sock.updateLastSeenPrivacy('none')
  await client.sock.updateReadReceiptsPrivacy('none')
  const settings = await client.sock.fetchPrivacySettings(true)
  assert.equal(settings.last, 'none')
  assert.equal(settings.readreceipts, 'none')
  assert.equal(settings.messages, 'all')

  assert.equal(await client.sock.getBusinessProfile(CONTACT_JID), undefined)
  sim.setProfile(CONTACT, { business: { description: 'Bikes and repairs', email: 'shop@example.com', category: 'Bicycle shop' } })
  const business = await client.sock.getBusinessProfile(CONTACT_JID)
  assert.equal(business && 'description' in business ? business.description : undefined, 'Bikes and repairs')
})

test('a new profile name goes out as app state and becomes the account\'s push name', async () => {
  await eventually(() => Boolean(client.sock.authState.creds.myAppStateKeyId), 10_000)
  await client.sock.updateProfileName('Front desk')
  assert.ok(sim.appStatePushes(phoneNumber).some((push) => push.action.pushNameSetting?.name === 'Front desk'))
})
