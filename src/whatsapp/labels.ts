import type { WASocket } from '@whiskeysockets/baileys'
import type { EngineLabel, LabelEvent, Labels } from '../sessions/labels-port.js'
import { appStateWrite } from './app-state-write.js'
import { inOrder, phoneJidsOf } from './lid-to-phone.js'

/** Business platforms as WhatsApp names them at pairing (Android and iOS WhatsApp Business). */
const BUSINESS_PLATFORMS = new Set(['smba', 'smbi'])

/** Labels as Baileys app-state patches (label_edit, label_jid). The label's own id goes in the patch index; the chat argument is unused. */
export function baileysLabels(socket: WASocket): Labels {
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
    isBusiness: () => {
      const platform = socket.authState.creds.platform
      return platform ? BUSINESS_PLATFORMS.has(platform) : null
    },
  }
}

/** Turns label changes made on other devices (Baileys' labels.* events) into ours, chats named by phone number where known. */
export function forwardLabelEvents(socket: WASocket, onLabelEvent: (event: LabelEvent) => void): void {
  const next = inOrder()
  socket.ev.on('labels.edit', (label) => {
    next(async () => onLabelEvent(label.deleted
      ? { kind: 'label-deleted', labelId: label.id }
      : { kind: 'label-saved', label: { id: label.id, name: label.name ?? '', color: label.color ?? 0, predefinedId: label.predefinedId ?? null } }))
  })
  socket.ev.on('labels.association', ({ type, association }) => {
    if (association.type !== 'label_jid') return
    next(async () => {
      const phoneJid = await phoneJidsOf([association.chatId], (lid) => socket.signalRepository.lidMapping.getPNForLID(lid))
      onLabelEvent({ kind: 'chat-labeled', chat: phoneJid(association.chatId), labelId: association.labelId, labeled: type === 'add' })
    })
  })
}
