import type { WASocket } from '@whiskeysockets/baileys'
import type { EngineLabel, LabelEvent, Labels } from '../sessions/labels-port.js'
import { appStateWrite, missingAppStateKey } from './app-state-write.js'
import { InOrder, phoneJidsOf } from './lid-to-phone.js'

/** Business platforms as WhatsApp names them at pairing (Android and iOS WhatsApp Business). */
const BUSINESS_PLATFORMS = new Set(['smba', 'smbi'])

/** The app-state collection labels live in. */
const LABELS_COLLECTION = 'regular'

/**
 * Labels as Baileys app-state patches (label_edit, label_jid); changes other devices make are
 * reported through onLabelEvent. The label's own id goes in the patch index; addLabel's chat
 * argument is unused.
 */
export function baileysLabels(socket: WASocket, onLabelEvent: (event: LabelEvent) => void): Labels {
  const reported = forwardLabelEvents(socket, onLabelEvent)
  const edit = (label: EngineLabel, deleted: boolean): Promise<void> =>
    appStateWrite('labels', socket.addLabel('', {
      id: label.id,
      name: label.name,
      color: label.color,
      deleted,
      ...(label.predefinedId ? { predefinedId: Number(label.predefinedId) } : {}),
    }))
  return {
    save: (label) => edit(label, false),
    delete: (label) => edit(label, true),
    setChatLabel: (chat, labelId, labeled) =>
      appStateWrite('labels', labeled ? socket.addChatLabel(chat, labelId) : socket.removeChatLabel(chat, labelId)),
    resync: async () => {
      const { creds, keys } = socket.authState
      // Baileys would park a collection it cannot decrypt yet and resolve as if it had synced it.
      if (!creds.myAppStateKeyId) throw missingAppStateKey('labels')
      // Without a version Baileys asks for the collection from the start (a snapshot and every patch).
      await keys.set({ 'app-state-sync-version': { [LABELS_COLLECTION]: null } })
      await socket.resyncAppState([LABELS_COLLECTION], true)
      await reported.idle()
    },
    isBusiness: () => {
      const platform = socket.authState.creds.platform
      return platform ? BUSINESS_PLATFORMS.has(platform) : null
    },
  }
}

/** Turns label changes made on other devices (Baileys' labels.* events) into ours, chats named by phone number where known. */
function forwardLabelEvents(socket: WASocket, onLabelEvent: (event: LabelEvent) => void): { idle(): Promise<void> } {
  const next = new InOrder()
  socket.ev.on('labels.edit', (label) => {
    next.run(async () => onLabelEvent(label.deleted
      ? { kind: 'label-deleted', labelId: label.id }
      : { kind: 'label-saved', label: { id: label.id, name: label.name ?? '', color: label.color ?? 0, predefinedId: label.predefinedId ?? null } }))
  })
  socket.ev.on('labels.association', ({ type, association }) => {
    if (association.type !== 'label_jid') return
    next.run(async () => {
      const phoneJid = await phoneJidsOf([association.chatId], (lid) => socket.signalRepository.lidMapping.getPNForLID(lid))
      onLabelEvent({ kind: 'chat-labeled', chat: phoneJid(association.chatId), labelId: association.labelId, labeled: type === 'add' })
    })
  })
  return next
}
