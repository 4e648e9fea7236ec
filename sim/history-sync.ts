import { deflateSync } from 'node:zlib'
import { proto, type BinaryNode } from '@whiskeysockets/baileys'
import { LID_SERVER, PN_SERVER } from './accounts.js'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { newMessageId } from './inbound-delivery.js'

const { HistorySyncType } = proto.HistorySync
const NotificationType = proto.Message.HistorySyncType

/**
 * What a phone with no chats to share sends a new companion: the inline bootstrap, then the
 * last RECENT chunk at 100 %. The first takes Baileys out of AwaitingInitialSync into its app
 * state sync, after which it flushes its buffered events and counts the account as synced.
 */
const CHUNKS: Array<[proto.HistorySync.HistorySyncType, proto.Message.HistorySyncType]> = [
  [HistorySyncType.INITIAL_BOOTSTRAP, NotificationType.INITIAL_BOOTSTRAP],
  [HistorySyncType.RECENT, NotificationType.RECENT]
]

function notification(payloadType: proto.HistorySync.HistorySyncType, syncType: proto.Message.HistorySyncType): proto.IMessage {
  const history = proto.HistorySync.encode({ syncType: payloadType, conversations: [], chunkOrder: 0, progress: 100 }).finish()
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: { syncType, chunkOrder: 0, progress: 100, initialHistBootstrapInlinePayload: deflateSync(history) }
    }
  }
}

/**
 * The account's own phone (device 0) sends the device its history sync, Signal-encrypted like
 * any message between one's own devices; Baileys only accepts it from its own account.
 */
export async function sendInitialHistory(conn: Connection, ctx: SimContext): Promise<void> {
  const keys = conn.linked?.keys
  const account = conn.account
  if (!keys || !account) return
  const phone = ctx.peers.get(account.phoneNumber)
  for (const [payloadType, syncType] of CHUNKS) {
    const { type, ciphertext } = await phone.encrypt(conn.lidJid, keys, notification(payloadType, syncType))
    const stanza: BinaryNode = {
      tag: 'message',
      attrs: {
        from: `${account.phoneNumber}@${PN_SERVER}`,
        sender_lid: `${account.lid}@${LID_SERVER}`,
        // the phone's own messages carry its profile name, which is how a new device learns it
        notify: account.pushName,
        id: newMessageId(),
        t: String(Math.floor(Date.now() / 1000)),
        type: 'text',
        category: 'peer'
      },
      content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }]
    }
    conn.send(stanza)
  }
}
