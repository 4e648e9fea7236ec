import { jidNormalizedUser, type WASocket } from '@whiskeysockets/baileys'
import type { LRUCache } from 'lru-cache'
import type { Calls, IncomingCall } from '../sessions/whatsapp-port.js'
import { ttlCache } from '../ttl-cache.js'

/** Calls that end or are answered elsewhere stop ringing. */
const ENDED = new Set(['reject', 'accept', 'timeout', 'terminate'])

/**
 * Announces incoming calls and rejects them on request. A reject names the caller, so the
 * ringing calls are remembered (a few hundred at most) until they end. The memory for them is
 * taken at the first call: lru-cache allocates its arrays for `max` up front (21 KB), and most
 * sessions never ring.
 */
export function baileysCalls(socket: WASocket, onCall: (call: IncomingCall) => void): Calls {
  let ringing: LRUCache<string, string> | undefined
  socket.ev.on('call', (calls) => {
    for (const call of calls) {
      if (ENDED.has(call.status)) ringing?.delete(call.id)
      if (call.status !== 'offer' || call.offline) continue
      ringing ??= ttlCache<string, string>({ max: 500, ttl: 5 * 60_000 })
      ringing.set(call.id, call.from)
      onCall({
        callId: call.id,
        from: jidNormalizedUser(call.callerPn || call.from),
        isVideo: Boolean(call.isVideo),
        isGroup: Boolean(call.isGroup),
        groupJid: call.groupJid ?? null,
        at: call.date.getTime(),
      })
    }
  })
  return {
    reject: async (callId) => {
      const from = ringing?.get(callId)
      if (!from) return false
      await socket.rejectCall(callId, from)
      ringing?.delete(callId)
      return true
    },
  }
}
