import type { SqliteDatabase } from './database.js'
import type { LabelRepository } from '../ports.js'
import { LABEL_LISTING, LABEL_ORDER, type LabelRow, toLabelRecord } from '../rows.js'

export function createSqliteLabelRepository(db: SqliteDatabase): LabelRepository {
  const selectAll = db.prepare<[string], LabelRow>(`${LABEL_LISTING} WHERE l.device_id = ? ${LABEL_ORDER}`)
  const selectOne = db.prepare<[string, string], LabelRow>(`${LABEL_LISTING} WHERE l.device_id = ? AND l.id = ?`)
  const upsert = db.prepare(
    `INSERT INTO labels (device_id, id, name, color, predefined_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device_id, id) DO UPDATE SET name = excluded.name, color = excluded.color, predefined_id = excluded.predefined_id`,
  )
  const removeLabel = db.prepare('DELETE FROM labels WHERE device_id = ? AND id = ?')
  const removeAssociations = db.prepare('DELETE FROM chat_labels WHERE device_id = ? AND label_id = ?')
  const associate = db.prepare('INSERT INTO chat_labels (device_id, label_id, chat_jid, labeled_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
  const dissociate = db.prepare('DELETE FROM chat_labels WHERE device_id = ? AND label_id = ? AND chat_jid = ?')
  const selectLabelsOf = db.prepare<[string, string], { label_id: string }>(
    'SELECT label_id FROM chat_labels WHERE device_id = ? AND chat_jid = ? ORDER BY LENGTH(label_id), label_id',
  )
  const selectChatsWith = db.prepare<[string, string], { chat_jid: string }>(
    'SELECT chat_jid FROM chat_labels WHERE device_id = ? AND label_id = ? ORDER BY labeled_at, chat_jid',
  )
  const selectSync = db.prepare<[string], { account: string }>('SELECT account FROM label_syncs WHERE device_id = ?')
  const upsertSync = db.prepare(
    'INSERT INTO label_syncs (device_id, account, synced_at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET account = excluded.account, synced_at = excluded.synced_at',
  )
  const clearLabels = db.prepare('DELETE FROM labels WHERE device_id = ?')
  const clearAssociations = db.prepare('DELETE FROM chat_labels WHERE device_id = ?')
  const clearSync = db.prepare('DELETE FROM label_syncs WHERE device_id = ?')
  const clear = db.transaction((deviceId: string) => {
    for (const statement of [clearAssociations, clearLabels, clearSync]) statement.run(deviceId)
  })
  const deleteLabel = db.transaction((deviceId: string, id: string) => {
    removeAssociations.run(deviceId, id)
    return removeLabel.run(deviceId, id).changes === 1
  })
  return {
    list: async (deviceId) => selectAll.all(deviceId).map(toLabelRecord),
    get: async (deviceId, id) => {
      const row = selectOne.get(deviceId, id)
      return row && toLabelRecord(row)
    },
    save: async (deviceId, label) => void upsert.run(deviceId, label.id, label.name, label.color, label.predefinedId),
    delete: async (deviceId, id) => deleteLabel(deviceId, id),
    setChatLabel: async (deviceId, chat, labelId, labeled) =>
      void (labeled ? associate.run(deviceId, labelId, chat, Date.now()) : dissociate.run(deviceId, labelId, chat)),
    labelsOf: async (deviceId, chat) => selectLabelsOf.all(deviceId, chat).map((row) => row.label_id),
    chatsWith: async (deviceId, labelId) => selectChatsWith.all(deviceId, labelId).map((row) => row.chat_jid),
    syncedAccount: async (deviceId) => selectSync.get(deviceId)?.account,
    clear: async (deviceId) => clear(deviceId),
    markSynced: async (deviceId, account) => void upsertSync.run(deviceId, account, Date.now()),
  }
}
