import { inTransaction, type PgPool } from './pool.js'
import type { LabelRepository } from '../ports.js'
import { LABEL_LISTING, LABEL_ORDER, type LabelRow, toLabelRecord } from '../rows.js'

export function createPostgresLabelRepository(pool: PgPool): LabelRepository {
  return {
    list: async (deviceId) =>
      (await pool.query<LabelRow>(`${LABEL_LISTING} WHERE l.device_id = $1 ${LABEL_ORDER}`, [deviceId])).rows.map(toLabelRecord),
    get: async (deviceId, id) => {
      const { rows } = await pool.query<LabelRow>(`${LABEL_LISTING} WHERE l.device_id = $1 AND l.id = $2`, [deviceId, id])
      return rows[0] && toLabelRecord(rows[0])
    },
    save: async (deviceId, label) => {
      await pool.query(
        `INSERT INTO labels (device_id, id, name, color, predefined_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (device_id, id) DO UPDATE SET name = excluded.name, color = excluded.color, predefined_id = excluded.predefined_id`,
        [deviceId, label.id, label.name, label.color, label.predefinedId],
      )
    },
    delete: (deviceId, id) =>
      inTransaction(pool, async (client) => {
        await client.query('DELETE FROM chat_labels WHERE device_id = $1 AND label_id = $2', [deviceId, id])
        return (await client.query('DELETE FROM labels WHERE device_id = $1 AND id = $2', [deviceId, id])).rowCount === 1
      }),
    setChatLabel: async (deviceId, chat, labelId, labeled) => {
      await (labeled
        ? pool.query('INSERT INTO chat_labels (device_id, label_id, chat_jid, labeled_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [deviceId, labelId, chat, Date.now()])
        : pool.query('DELETE FROM chat_labels WHERE device_id = $1 AND label_id = $2 AND chat_jid = $3', [deviceId, labelId, chat]))
    },
    labelsOf: async (deviceId, chat) =>
      (await pool.query<{ label_id: string }>(
        'SELECT label_id FROM chat_labels WHERE device_id = $1 AND chat_jid = $2 ORDER BY LENGTH(label_id), label_id', [deviceId, chat],
      )).rows.map((row) => row.label_id),
    chatsWith: async (deviceId, labelId) =>
      (await pool.query<{ chat_jid: string }>(
        'SELECT chat_jid FROM chat_labels WHERE device_id = $1 AND label_id = $2 ORDER BY labeled_at, chat_jid', [deviceId, labelId],
      )).rows.map((row) => row.chat_jid),
    syncedAccount: async (deviceId) =>
      (await pool.query<{ account: string }>('SELECT account FROM label_syncs WHERE device_id = $1', [deviceId])).rows[0]?.account,
    clear: (deviceId) =>
      inTransaction(pool, async (client) => {
        for (const table of ['chat_labels', 'labels', 'label_syncs']) await client.query(`DELETE FROM ${table} WHERE device_id = $1`, [deviceId])
      }),
    markSynced: async (deviceId, account) => {
      await pool.query(
        'INSERT INTO label_syncs (device_id, account, synced_at) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO UPDATE SET account = excluded.account, synced_at = excluded.synced_at',
        [deviceId, account, Date.now()],
      )
    },
  }
}
