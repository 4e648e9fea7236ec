import type { SqliteDatabase } from './database.js'
import type { ContactRecord, ContactRepository } from '../ports.js'
import { CONTACT_COLUMNS, type ContactRow, toContactRecord } from '../rows.js'

export function createSqliteContactRepository(db: SqliteDatabase): ContactRepository {
  const upsert = db.prepare<[ContactRecord & { device: string; now: number }]>(
    `INSERT INTO contacts (device_id, jid, name, push_name, phone_number, lid, updated_at) VALUES (@device, @jid, @name, @pushName, @phoneNumber, @lid, @now)
     ON CONFLICT (device_id, jid) DO UPDATE SET name = COALESCE(@name, name), push_name = COALESCE(@pushName, push_name),
       phone_number = COALESCE(@phoneNumber, phone_number), lid = COALESCE(@lid, lid), updated_at = @now`,
  )
  const page = db.prepare<[string, number, number], ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = ? ORDER BY COALESCE(name, push_name) IS NULL, COALESCE(name, push_name), jid LIMIT ? OFFSET ?`,
  )
  const one = db.prepare<[string, string], ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = ? AND jid = ?`)
  // The phone-number row first: it carries the names.
  const byLid = db.prepare<[string, string, string], ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = ? AND (lid = ? OR jid = ?) ORDER BY phone_number IS NULL LIMIT 1`,
  )
  const follow = db.prepare<[string, string, number]>(
    `INSERT INTO contacts (device_id, jid, presence_subscribed, updated_at) VALUES (?, ?, 1, ?)
     ON CONFLICT (device_id, jid) DO UPDATE SET presence_subscribed = 1`,
  )
  const followed = db.prepare<[string], string>('SELECT jid FROM contacts WHERE device_id = ? AND presence_subscribed = 1 ORDER BY jid').pluck()
  const upsertAll = db.transaction((deviceId: string, contacts: Parameters<ContactRepository['upsert']>[1]) => {
    const now = Date.now()
    for (const contact of contacts) upsert.run({ ...contact, device: deviceId, now })
  })

  return {
    upsert: async (deviceId, contacts) => void upsertAll(deviceId, contacts),
    list: async (deviceId, limit, offset) => page.all(deviceId, limit, offset).map(toContactRecord),
    findByLid: async (deviceId, lid) => {
      const row = byLid.get(deviceId, lid, lid)
      return row && toContactRecord(row)
    },
    followPresence: async (deviceId, jid) => void follow.run(deviceId, jid, Date.now()),
    presenceFollowed: async (deviceId) => followed.all(deviceId),
    get: async (deviceId, jid) => {
      const row = one.get(deviceId, jid)
      return row && toContactRecord(row)
    },
  }
}
