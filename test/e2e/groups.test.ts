import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { ApiClient } from '../support/api-client.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'

const ADMIN_KEY = 'groups-admin-key-0123456789abcdef'
const PHONE = '15550004411'
const ANA = '15550004412'
const BEN = '15550004413'
const CARL = '15550004414'
const PRIVATE = '15550004415'
const NOBODY = '15550004416'
const pn = (phone: string) => `${phone}@s.whatsapp.net`

describe('groups against the protocol simulator: created, run, heard', async () => {
  const sim = await startSim({ notOnWhatsApp: [NOBODY] })
  let server: ServerProcess
  let client: ApiClient
  const receiver = await WebhookReceiver.start()
  let group = ''

  const events = (type: string, jid?: string) =>
    receiver.uniqueEvents().filter((event) => event.type === type && (jid === undefined || (event.data.jid ?? event.data.group?.jid) === jid))
  const waitForEvent = (type: string, what: string, pred: (data: Record<string, any>) => boolean) =>
    waitFor(() => receiver.uniqueEvents().find((event) => event.type === type && pred(event.data))?.data, { what })

  before(async () => {
    server = await startServerProcess({
      ...simEnv(sim), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: 'groups-webhook-secret-0123456789',
    })
    const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
    client = admin.withKey(await createPairedSession(admin, sim, 'desk', PHONE))
    sim.setProfile(PRIVATE, { privacy: { groupadd: 'none' } })
  })
  after(() => server.stop())

  it('creates a group with a description; the account is its super admin and hears that it joined', async () => {
    const created = await client.post('/api/sessions/desk/groups', { subject: '  Support team ', participants: [`+${ANA}`, pn(BEN), PRIVATE], description: 'Shift handovers' })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    group = created.body.group.jid
    assert.match(group, /@g\.us$/)
    assert.equal(created.body.group.subject, 'Support team')
    assert.equal(created.body.group.description, 'Shift handovers')
    assert.deepEqual(created.body.participants.map((p: { participant: string; status: string }) => [p.participant, p.status]),
      [[`+${ANA}`, 'ok'], [pn(BEN), 'ok'], [PRIVATE, 'not_allowed']])
    const state = sim.groupOf(group)!
    assert.deepEqual([...state.participants].sort(), [PHONE, ANA, BEN].sort())
    assert.equal(state.owner, PHONE)
    assert.equal(state.description, 'Shift handovers')

    const joined = await waitForEvent('group.joined', 'group.joined for the new group', (data) => data.group.jid === group)
    assert.equal(joined.group.subject, 'Support team')
    assert.equal(joined.by.phoneNumber, PHONE)
  })

  it('reads the metadata with every member by phone number, LID and admin rank', async () => {
    const response = await client.get(`/api/sessions/desk/groups/${group}`)
    assert.equal(response.status, 200, JSON.stringify(response.body))
    const meta = response.body.group
    assert.equal(meta.jid, group)
    assert.equal(meta.owner, pn(PHONE))
    assert.equal(meta.size, 3)
    assert.deepEqual([meta.announceOnly, meta.locked, meta.ephemeralSeconds, meta.joinApproval], [false, false, 0, false])
    assert.ok(Math.abs(Date.parse(meta.createdAt) - Date.now()) < 60_000)
    const byNumber = new Map(meta.participants.map((p: { phoneNumber: string }) => [p.phoneNumber, p]))
    assert.deepEqual([...byNumber.keys()].sort(), [PHONE, ANA, BEN].sort())
    const me = byNumber.get(PHONE) as { jid: string; lid: string; admin: string }
    assert.equal(me.jid, pn(PHONE))
    assert.match(me.lid, /@lid$/)
    assert.equal(me.admin, 'superadmin')
    assert.equal((byNumber.get(ANA) as { admin: null }).admin, null)
  })

  it('changes the subject, description and settings; members see them and group.updated names who did it', async () => {
    const picture = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#2a7' } }).jpeg().toBuffer()
    const changed = await client.put(`/api/sessions/desk/groups/${group}`, {
      subject: 'Support (EU)', description: 'Handovers at 9 and 17', announceOnly: true, locked: true, ephemeralSeconds: 604800,
      joinApproval: true, picture: { base64: picture.toString('base64') },
    })
    assert.deepEqual([changed.status, changed.body], [200, { success: true }])
    const state = sim.groupOf(group)!
    assert.deepEqual([state.subject, state.description, state.announce, state.locked, state.ephemeral, state.joinApproval],
      ['Support (EU)', 'Handovers at 9 and 17', true, true, 604800, true])
    assert.ok(sim.profileOf(group).picture, 'the group picture is set at WhatsApp')

    const changes = await waitFor(() => {
      const merged = Object.assign({}, ...events('group.updated', group).map((event) => event.data.changes))
      return Object.keys(merged).length >= 7 ? merged : undefined
    }, { what: 'group.updated for every change' })
    assert.deepEqual(changes, {
      subject: 'Support (EU)', description: 'Handovers at 9 and 17', announceOnly: true, locked: true, ephemeralSeconds: 604800,
      joinApproval: true, picture: 'set',
    })
    assert.ok(events('group.updated', group).every((event) => event.data.by?.phoneNumber === PHONE))

    const meta = (await client.get(`/api/sessions/desk/groups/${group}`)).body.group
    assert.deepEqual([meta.subject, meta.description, meta.announceOnly, meta.locked, meta.ephemeralSeconds, meta.joinApproval],
      ['Support (EU)', 'Handovers at 9 and 17', true, true, 604800, true])

    const cleared = await client.put(`/api/sessions/desk/groups/${group}`, { description: null, picture: null, locked: false, announceOnly: false, ephemeralSeconds: 0 })
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body))
    assert.equal(sim.groupOf(group)!.description, undefined)
    assert.equal(sim.profileOf(group).picture, null)
    await waitForEvent('group.updated', 'the picture removal', (data) => data.jid === group && data.changes.picture === 'removed')
  })

  it('adds, promotes, demotes and removes members with one result per person, inviting whom privacy protects', async () => {
    const added = await client.post(`/api/sessions/desk/groups/${group}/participants`, { action: 'add', participants: [CARL, PRIVATE, ANA, NOBODY] })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.deepEqual(added.body.results.map((r: { participant: string; status: string; code: number }) => [r.participant, r.status, r.code]), [
      [CARL, 'ok', 200], [PRIVATE, 'invite_sent', 403], [ANA, 'already_member', 409], [NOBODY, 'not_on_whatsapp', 404],
    ])
    const invite = await sim.waitForMessage((m) => m.to === pn(PRIVATE) && Boolean(m.message.groupInviteMessage))
    assert.equal(invite.message.groupInviteMessage?.groupJid, group)
    assert.equal(invite.message.groupInviteMessage?.groupName, 'Support (EU)')
    assert.ok(sim.groupOf(group)!.participants.includes(CARL))

    const promoted = await client.post(`/api/sessions/desk/groups/${group}/participants`, { action: 'promote', participants: [CARL] })
    assert.equal(promoted.body.results[0].status, 'ok')
    assert.ok(sim.groupOf(group)!.admins.has(CARL))
    const demoted = await client.post(`/api/sessions/desk/groups/${group}/participants`, { action: 'demote', participants: [CARL] })
    assert.equal(demoted.body.results[0].status, 'ok')
    assert.ok(!sim.groupOf(group)!.admins.has(CARL))
    const removed = await client.post(`/api/sessions/desk/groups/${group}/participants`, { action: 'remove', participants: [CARL, NOBODY] })
    assert.deepEqual(removed.body.results.map((r: { status: string }) => r.status), ['ok', 'not_member'])
    assert.ok(!sim.groupOf(group)!.participants.includes(CARL))

    for (const action of ['add', 'promote', 'demote', 'remove']) {
      const event = await waitForEvent('group.participants', `group.participants ${action}`, (data) => data.jid === group && data.action === action)
      assert.deepEqual(event.participants.map((p: { jid: string }) => p.jid), [pn(CARL)])
      assert.equal(event.by.phoneNumber, PHONE)
    }
    const meta = (await client.get(`/api/sessions/desk/groups/${group}`)).body.group
    assert.deepEqual(meta.participants.map((p: { phoneNumber: string }) => p.phoneNumber).sort(), [PHONE, ANA, BEN].sort())
  })

  it('hears changes other members make from their phones', async () => {
    sim.groupChange(group, PHONE, { participants: 'promote', phones: [ANA] })
    await waitForEvent('group.participants', 'ANA promoted', (data) => data.jid === group && data.action === 'promote' && data.participants[0]?.phoneNumber === ANA)
    sim.groupChange(group, ANA, { subject: 'Renamed by Ana' })
    const renamed = await waitForEvent('group.updated', 'the subject Ana set', (data) => data.jid === group && data.changes.subject === 'Renamed by Ana')
    assert.equal(renamed.by.phoneNumber, ANA)
    assert.equal(renamed.by.jid, pn(ANA))
    const meta = (await client.get(`/api/sessions/desk/groups/${group}`)).body.group
    assert.equal(meta.subject, 'Renamed by Ana')
    await waitFor(async () => ((await client.get('/api/sessions/desk/chats')).body.chats as Array<{ jid: string; name: string }>)
      .some((chat) => chat.jid === group && chat.name === 'Renamed by Ana'), { what: 'the chat list named after the new subject' })
    assert.equal(meta.participants.find((p: { phoneNumber: string }) => p.phoneNumber === ANA).admin, 'admin')
  })

  it('sends to the group with @mentions and mention-all; members decrypt both; the metadata is read once, kept current by notifications', async () => {
    const queriesBefore = sim.groupMetadataQueries(group)
    const mention = await client.post('/api/messages/send', { deviceId: 'desk', number: group, message: 'Please check, @' + ANA, mentions: [ANA, `+${BEN}`] })
    assert.equal(mention.status, 200, JSON.stringify(mention.body))
    const received = await sim.waitForMessage((m) => m.id === mention.body.messageId)
    assert.equal(received.text, `Please check, @${ANA} @${BEN}`)
    assert.deepEqual(received.message.extendedTextMessage?.contextInfo?.mentionedJid, [pn(ANA), pn(BEN)])
    assert.deepEqual([...received.decryptedBy!].sort(), [ANA, BEN].sort())

    // a member joins from a phone: the next send reaches them without another metadata query
    sim.groupChange(group, PHONE, { participants: 'add', phones: [CARL] })
    await waitForEvent('group.participants', 'CARL added again', (data) => data.jid === group && data.action === 'add' && data.participants[0]?.phoneNumber === CARL && events('group.participants', group).filter((e) => e.data.action === 'add').length >= 2)
    const everyone = await client.post('/api/messages/send', { deviceId: 'desk', number: group, message: 'All hands at 10', mentionAll: true })
    assert.equal(everyone.status, 200, JSON.stringify(everyone.body))
    const all = await sim.waitForMessage((m) => m.id === everyone.body.messageId)
    assert.equal(all.text, 'All hands at 10')
    assert.deepEqual([...(all.message.extendedTextMessage?.contextInfo?.mentionedJid ?? [])].sort(), [PHONE, ANA, BEN, CARL].map(pn).sort())
    assert.deepEqual([...all.decryptedBy!].sort(), [ANA, BEN, CARL].sort())
    assert.ok(sim.groupMetadataQueries(group) - queriesBefore <= 1, `metadata queried ${sim.groupMetadataQueries(group) - queriesBefore} times for two sends`)

    const notGroup = await client.post('/api/messages/send', { deviceId: 'desk', number: ANA, message: 'hi', mentionAll: true })
    assert.equal(notGroup.status, 400)
    assert.match(notGroup.body.error, /group chats/)
    const notText = await client.post('/api/messages/send', { deviceId: 'desk', number: group, location: { latitude: 1, longitude: 2 }, mentions: [ANA] })
    assert.equal(notText.status, 400)
  })

  it('hands out, revokes and previews invite links; joins another group by link', async () => {
    const invite = await client.get(`/api/sessions/desk/groups/${group}/invite`)
    assert.equal(invite.status, 200, JSON.stringify(invite.body))
    assert.equal(invite.body.code, sim.groupOf(group)!.inviteCode)
    assert.equal(invite.body.link, `https://chat.whatsapp.com/${invite.body.code}`)
    const revoked = await client.post(`/api/sessions/desk/groups/${group}/invite/revoke`)
    assert.equal(revoked.status, 200)
    assert.notEqual(revoked.body.code, invite.body.code)
    assert.equal(revoked.body.code, sim.groupOf(group)!.inviteCode)

    const other = sim.createGroup({ subject: 'Partners', participants: [ANA, BEN], owner: ANA, description: 'Outside team' }).jid
    const code = sim.groupOf(other)!.inviteCode
    const preview = await client.get(`/api/sessions/desk/groups/invites/${code}`)
    assert.equal(preview.status, 200, JSON.stringify(preview.body))
    assert.deepEqual([preview.body.group.jid, preview.body.group.subject, preview.body.group.size], [other, 'Partners', 2])
    const joined = await client.post('/api/sessions/desk/groups/join', { link: `https://chat.whatsapp.com/${code}` })
    assert.deepEqual(joined.body, { success: true, jid: other, pendingApproval: false })
    assert.ok(sim.groupOf(other)!.participants.includes(PHONE))
    await waitForEvent('group.joined', 'group.joined by link', (data) => data.group.jid === other && data.group.subject === 'Partners')

    assert.equal((await client.get('/api/sessions/desk/groups/invites/AAAAAAAAAAAAAAAAAAAAAA')).status, 404)
    assert.equal((await client.post('/api/sessions/desk/groups/join', { code: 'not a code!' })).status, 400)
    assert.equal((await client.post('/api/sessions/desk/groups/join', {})).status, 400)
    const notAdmin = await client.get(`/api/sessions/desk/groups/${other}/invite`)
    assert.equal(notAdmin.status, 403)
    assert.match(notAdmin.body.error, /admins/)
  })

  it('lists and answers requests to join a group that needs approval', async () => {
    const club = sim.createGroup({ subject: 'Club', participants: [ANA], owner: PHONE, joinApproval: true }).jid
    sim.requestToJoin(club, BEN)
    sim.requestToJoin(club, CARL)
    const pending = await client.get(`/api/sessions/desk/groups/${club}/requests`)
    assert.equal(pending.status, 200, JSON.stringify(pending.body))
    assert.deepEqual(pending.body.requests.map((r: { phoneNumber: string; method: string }) => [r.phoneNumber, r.method]).sort(), [[BEN, 'invite_link'], [CARL, 'invite_link']])
    const approved = await client.post(`/api/sessions/desk/groups/${club}/requests`, { action: 'approve', participants: [BEN, ANA] })
    assert.deepEqual(approved.body.results.map((r: { status: string }) => r.status), ['ok', 'no_request'])
    const rejected = await client.post(`/api/sessions/desk/groups/${club}/requests`, { action: 'reject', participants: [CARL] })
    assert.equal(rejected.body.results[0].status, 'ok')
    assert.deepEqual([...sim.groupOf(club)!.participants].sort(), [PHONE, ANA, BEN].sort())
    assert.equal(sim.groupOf(club)!.requests.size, 0)
  })

  it('leaves a group: the simulator drops the account, group.participants says it left', async () => {
    const left = await client.post(`/api/sessions/desk/groups/${group}/leave`)
    assert.deepEqual([left.status, left.body], [200, { success: true }])
    assert.ok(!sim.groupOf(group)!.participants.includes(PHONE))
    const event = await waitForEvent('group.participants', 'the leave', (data) => data.jid === group && data.action === 'leave')
    assert.deepEqual(event.participants.map((p: { phoneNumber: string }) => p.phoneNumber), [PHONE])
    const after = await client.get(`/api/sessions/desk/groups/${group}`)
    assert.equal(after.status, 403)
  })

  it('refuses bad input with a clear 4xx and unknown groups with a 404', async () => {
    assert.equal((await client.get('/api/sessions/desk/groups/120363000000000001@g.us')).status, 404)
    assert.equal((await client.get('/api/sessions/desk/groups/not-a-group')).status, 400)
    const cases: Array<[string, string, unknown]> = [
      ['post', '/api/sessions/desk/groups', { subject: '', participants: [ANA] }],
      ['post', '/api/sessions/desk/groups', { subject: 'x', participants: [] }],
      ['post', '/api/sessions/desk/groups', { subject: 'x', participants: ['120363000000000001@g.us'] }],
      ['post', '/api/sessions/desk/groups', { subject: 'x'.repeat(101), participants: [ANA] }],
      ['put', `/api/sessions/desk/groups/${group}`, {}],
      ['put', `/api/sessions/desk/groups/${group}`, { ephemeralSeconds: 5 }],
      ['put', `/api/sessions/desk/groups/${group}`, { picture: { base64: Buffer.from('not an image').toString('base64') } }],
      ['post', `/api/sessions/desk/groups/${group}/participants`, { action: 'kick', participants: [ANA] }],
      ['post', `/api/sessions/desk/groups/${group}/participants`, { action: 'add', participants: [ANA, `+${ANA}`] }],
      ['post', `/api/sessions/desk/groups/${group}/requests`, { action: 'maybe', participants: [ANA] }],
    ]
    for (const [method, path, body] of cases) {
      const response = await client.request(method.toUpperCase(), path, body)
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.success, false)
      assert.ok(response.body.error.length > 0)
    }
  })
})
