import { getAllBinaryNodeChildren, getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys'
import type { Connection } from './connection.js'
import type { SimContext } from './context.js'
import { GROUP_SERVER } from './groups.js'
import { answerKeyFetch, storeSignedPreKey, storeUploadedKeys } from './key-bundles.js'
import { answerMediaConn } from './media-conn.js'
import { answerUsync } from './usync.js'

function answerEncrypt(conn: Connection, iq: BinaryNode, child: BinaryNode | undefined): Promise<void> | void {
  const keys = conn.linked?.keys
  switch (child?.tag) {
    case 'count':
      return conn.reply(iq, [{ tag: 'count', attrs: { value: String(keys?.preKeys.count ?? 0) } }])
    case 'registration':
      // pre-key upload: registration, type, identity, list, skey as siblings
      storeUploadedKeys(iq, conn.linked!)
      return conn.reply(iq)
    case 'rotate': {
      const skey = getBinaryNodeChild(child, 'skey')
      if (skey && keys) storeSignedPreKey(skey, keys)
      return conn.reply(iq)
    }
    case 'digest':
      // Baileys only checks that a <digest> comes back; it does not verify the hash
      return conn.reply(iq, [{ tag: 'digest', attrs: {} }])
    default:
      return conn.reply(iq)
  }
}

/** Answers every iq a logged-in client sends; unknown ones get an empty result so nothing stalls. */
export async function answerIq(conn: Connection, iq: BinaryNode, ctx: SimContext): Promise<void> {
  const { silenced } = ctx.faults
  if (silenced.has('all-iq')) return
  const child = getAllBinaryNodeChildren(iq)[0]
  switch (iq.attrs.xmlns) {
    case 'encrypt':
      if (child?.tag === 'key') {
        if (!silenced.has('prekeys')) conn.reply(iq, [await answerKeyFetch(iq, ctx)])
        return
      }
      return answerEncrypt(conn, iq, child)
    case 'usync':
      if (!silenced.has('usync')) conn.reply(iq, [answerUsync(iq, ctx.accounts, ctx.profiles, conn.phoneNumber!)])
      return
    case 'passive':
      conn.reply(iq)
      if (child?.tag === 'active') await conn.activate()
      return
    case 'md':
      if (child?.tag === 'remove-companion-device' && conn.linked) conn.linked.removed = true
      return conn.reply(iq)
    case 'privacy':
      if (child?.tag === 'tokens') {
        if (conn.phoneNumber) ctx.privacyTokens.record(conn.phoneNumber, iq)
        return conn.reply(iq)
      }
      return ctx.profiles.answerPrivacy(conn, iq)
    case 'blocklist':
      return ctx.profiles.answerBlocklist(conn, iq)
    case 'w:profile:picture':
      if (iq.attrs.target?.endsWith(`@${GROUP_SERVER}`)) return ctx.groupDesk.answerPicture(conn, iq)
      return ctx.profiles.answerPicture(conn, iq)
    case 'status':
      return ctx.profiles.setAbout(conn, iq)
    case 'w:biz':
      return ctx.profiles.answerBusiness(conn, iq)
    case 'abt':
      return conn.reply(iq, [{ tag: 'props', attrs: { protocol: '1' } }])
    case 'w:m':
      return conn.reply(iq, [answerMediaConn(ctx.options.mediaHosts)])
    case 'w:p':
      return conn.reply(iq)
    case 'w:sync:app:state':
      return conn.reply(iq, [await ctx.appState.answer(conn.phoneNumber!, iq)])
    case 'w:g2':
      return ctx.groupDesk.answer(conn, iq)
    case 'w:mex':
      return ctx.channels.answerMex(conn, iq)
    default:
      ctx.logger.debug({ xmlns: iq.attrs.xmlns, type: iq.attrs.type, child: child?.tag }, 'answering unknown iq with empty result')
      return conn.reply(iq)
  }
}
