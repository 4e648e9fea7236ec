import { deflateSync } from 'node:zlib'
import { proto } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { sendFromOwnPhone } from './own-phone.js'

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

/** The account's own phone sends a newly linked device its history sync. */
export async function sendInitialHistory(conn: Connection, ctx: SimContext): Promise<void> {
  for (const [payloadType, syncType] of CHUNKS) await sendFromOwnPhone(conn, ctx, notification(payloadType, syncType))
}
