import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { GroupMetadata } from '@whiskeysockets/baileys'
import type { GroupEvent, GroupMember } from '../../src/sessions/groups-port.js'
import { patchedMetadata } from '../../src/whatsapp/groups.js'

const GROUP = '120363000000000001@g.us'
const person = (phone: string, lid: string | null): GroupMember => ({ jid: `${phone}@s.whatsapp.net`, phoneNumber: phone, lid: lid && `${lid}@lid` })
const ANA = person('15550000001', '100000000000001')
const BEN = person('15550000002', '100000000000002')
const CARL = person('15550000003', '100000000000003')

function lidGroup(): GroupMetadata {
  return {
    id: GROUP, subject: 'Team', owner: undefined, addressingMode: 'lid' as GroupMetadata['addressingMode'], size: 2,
    participants: [
      { id: ANA.lid!, phoneNumber: ANA.jid, admin: 'superadmin' },
      { id: BEN.lid!, phoneNumber: BEN.jid, admin: null },
    ],
  }
}
const participants = (action: Extract<GroupEvent, { kind: 'participants' }>['action'], ...who: GroupMember[]): GroupEvent =>
  ({ kind: 'participants', jid: GROUP, action, participants: who, by: ANA })

describe('group metadata kept current from notifications', () => {
  it('adds a member to a LID group by LID with the phone number beside, once', () => {
    const added = patchedMetadata(lidGroup(), participants('add', CARL, BEN))!
    assert.deepEqual(added.participants.map((p) => [p.id, p.phoneNumber, p.admin]), [
      [ANA.lid, ANA.jid, 'superadmin'], [BEN.lid, BEN.jid, null], [CARL.lid, CARL.jid, null],
    ])
    assert.equal(added.size, 3)
  })

  it('adds a member to a phone-number group by phone number with the LID beside', () => {
    const pnGroup: GroupMetadata = { ...lidGroup(), addressingMode: 'pn' as GroupMetadata['addressingMode'], participants: [{ id: ANA.jid, lid: ANA.lid!, admin: 'superadmin' }] }
    const added = patchedMetadata(pnGroup, participants('add', CARL))!
    assert.deepEqual(added.participants.at(-1), { id: CARL.jid, lid: CARL.lid, admin: null })
  })

  it('reads the group again rather than guess an address it lacks', () => {
    assert.equal(patchedMetadata(lidGroup(), participants('add', person('15550000004', null))), undefined)
  })

  it('removes, promotes and demotes whoever the notification names, by LID or phone number', () => {
    const removed = patchedMetadata(lidGroup(), participants('leave', { ...BEN, lid: null }))!
    assert.deepEqual(removed.participants.map((p) => p.id), [ANA.lid])
    assert.equal(removed.size, 1)
    const promoted = patchedMetadata(lidGroup(), participants('promote', BEN))!
    assert.equal(promoted.participants[1]!.admin, 'admin')
    assert.equal(patchedMetadata(promoted, participants('demote', BEN))!.participants[1]!.admin, null)
  })

  it('takes subject and settings, but never a disappearing-messages timer (any member can forge that message)', () => {
    const by = ANA
    const renamed = patchedMetadata(lidGroup(), { kind: 'updated', jid: GROUP, changes: { subject: 'New', announceOnly: true, locked: true, description: null }, by })!
    assert.deepEqual([renamed.subject, renamed.announce, renamed.restrict, renamed.desc], ['New', true, true, undefined])
    assert.equal(patchedMetadata(lidGroup(), { kind: 'updated', jid: GROUP, changes: { ephemeralSeconds: 86400 }, by }), undefined)
  })
})
