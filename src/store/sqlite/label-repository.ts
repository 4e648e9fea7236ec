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
  }
}
