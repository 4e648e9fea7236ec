import { inTransaction, type PgPool } from './pool.js'
import type { ContactRepository } from '../ports.js'
import { CONTACT_COLUMNS, type ContactRow, toContactRecord } from '../rows.js'

export function createPostgresContactRepository(pool: PgPool): ContactRepository {
  return {
    upsert: async (deviceId, contacts) =>
      inTransaction(pool, async (client) => {
        const now = Date.now()
        for (const contact of contacts) {
          await client.query(
            `INSERT INTO contacts (device_id, jid, name, push_name, phone_number, lid, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (device_id, jid) DO UPDATE SET name = COALESCE($3, contacts.name), push_name = COALESCE($4, contacts.push_name),
               phone_number = COALESCE($5, contacts.phone_number), lid = COALESCE($6, contacts.lid), updated_at = $7`,
            [deviceId, contact.jid, contact.name, contact.pushName, contact.phoneNumber, contact.lid, now],
          )
        }
      }),
    list: async (deviceId, limit, offset) =>
      (
        await pool.query<ContactRow>(
          `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = $1
           ORDER BY COALESCE(name, push_name) IS NULL, COALESCE(name, push_name), jid LIMIT $2 OFFSET $3`,
          [deviceId, limit, offset],
        )
      ).rows.map(toContactRecord),
    findByLid: async (deviceId, lid) => {
      const { rows } = await pool.query<ContactRow>(
        `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = $1 AND (lid = $2 OR jid = $2) ORDER BY phone_number IS NULL LIMIT 1`,
        [deviceId, lid],
      )
      return rows[0] && toContactRecord(rows[0])
    },
    followPresence: async (deviceId, jid) => {
      await pool.query(
        `INSERT INTO contacts (device_id, jid, presence_subscribed, updated_at) VALUES ($1, $2, TRUE, $3)
         ON CONFLICT (device_id, jid) DO UPDATE SET presence_subscribed = TRUE`,
        [deviceId, jid, Date.now()],
      )
    },
    presenceFollowed: async (deviceId) =>
      (await pool.query<{ jid: string }>('SELECT jid FROM contacts WHERE device_id = $1 AND presence_subscribed ORDER BY jid', [deviceId])).rows.map((row) => row.jid),
    get: async (deviceId, jid) => {
      const { rows } = await pool.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE device_id = $1 AND jid = $2`, [deviceId, jid])
      return rows[0] && toContactRecord(rows[0])
    },
  }
}
