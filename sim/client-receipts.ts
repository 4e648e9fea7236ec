import type { BinaryNode } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { answerMediaRetry } from './media-retry.js'

/** A client's <receipt>: settles what it acknowledges, or starts what it asks the phone for. */
export async function handleClientReceipt(conn: Connection, receipt: BinaryNode, ctx: SimContext): Promise<void> {
  conn.unacked.delete(receipt.attrs.id ?? '')
  switch (receipt.attrs.type) {
    case 'hist_sync':
      if (conn.linked) conn.linked.historySynced = true
      return
    case 'server-error':
      // a media re-upload request, addressed to the account's own phone
      return answerMediaRetry(conn, receipt, ctx)
    case 'read':
    case 'read-self':
      return ctx.presence.readFromClient(conn, receipt)
    case 'retry':
      return ctx.inbound.resend(conn, receipt)
  }
}
