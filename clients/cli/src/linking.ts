import { type EventEnvelope, type WhatsAppApi, WhatsAppApiError } from '@whatsapp-multi-session-api/client'
import QRCode from 'qrcode'
import { EXIT } from './exit-codes.js'
import { jsonLine, type Output } from './output.js'

/** States after which a session stops trying to link until someone starts it again. */
const GAVE_UP = new Set(['logged_out', 'failed', 'disconnected'])

export interface LinkWatch {
  api: WhatsAppApi
  deviceId: string
  json: boolean
  timeoutMs: number
  out: Output
  /** Shows the current QR code at once and each new one as it rotates (else: a pairing code was shown). */
  showQr: boolean
  /** Ctrl-C. */
  interrupted?: AbortSignal | undefined
}

const terminalQr = (code: string): Promise<string> => QRCode.toString(code, { type: 'terminal', small: true })

/**
 * Follows a session's linking on the event stream until it is connected: prints each QR code as it
 * rotates (when showQr), and the account once linked. Subscribes before reading the current code,
 * so no rotation falls between the two.
 */
export async function followLinking({ api, deviceId, json, timeoutMs, out, showQr, interrupted }: LinkWatch): Promise<number> {
  // Ended by the timeout, Ctrl-C, or this function returning (a pending read ends only when the stream does).
  // A timer of our own, not AbortSignal.timeout: a combined signal holds its sources weakly, and a
  // collected timeout signal would never fire.
  const done = new AbortController()
  const timer = setTimeout(() => done.abort(), timeoutMs)
  const stop = interrupted ? AbortSignal.any([done.signal, interrupted]) : done.signal
  let opened!: () => void
  const open = new Promise<void>((resolve) => (opened = resolve))
  const events = api.events({
    deviceId,
    types: ['session.qr', 'session.status'],
    signal: stop,
    onOpen: () => opened(),
    onReconnect: (error) => out.stderr(`Stream interrupted (${(error as Error).message}); reconnecting\n`),
  })
  let shown: string | undefined
  const showCode = async (code: string, expiresAt: string): Promise<void> => {
    if (code === shown) return
    shown = code
    if (json) out.stdout(jsonLine({ deviceId, qr: code, expiresAt }))
    else out.stdout(`${await terminalQr(code)}\nScan with WhatsApp on the phone: Linked devices > Link a device (expires ${expiresAt})\n`)
  }
  // "disconnected" while the session is meant to run is a moment between attempts (or another node
  // about to take it), not an end.
  const notLinking = async (state: string, isActive?: boolean): Promise<boolean> =>
    GAVE_UP.has(state) && !(state === 'disconnected' && (isActive ?? (await api.sessions.get(deviceId)).isActive))
  const gaveUp = (state: string, lastError: unknown): number => {
    out.stderr(`error: session "${deviceId}" is not linking (${state}${lastError ? `: ${String(lastError)}` : ''}); start it to try again\n`)
    return EXIT.notLinked
  }
  try {
    // The first read starts the stream; the current state is read once it is open (or it failed).
    const first = events.next()
    await Promise.race([open, first])
    const session = await api.sessions.get(deviceId)
    if (session.connectionState === 'connected') return linked(out, json, deviceId, session.phoneNumber)
    if (await notLinking(session.connectionState, session.isActive)) return gaveUp(session.connectionState, session.lastError)
    if (showQr) {
      const current = await api.sessions.qr(deviceId).catch((error: unknown) => {
        // No code yet (the session is still connecting): the stream brings it.
        if (error instanceof WhatsAppApiError && error.status === 409) return undefined
        throw error
      })
      if (current) await showCode(current.qrCode, current.expiresAt)
    }
    for (let next = await first; !next.done; next = await events.next()) {
      const event: EventEnvelope = next.value
      if (event.type === 'session.qr' && showQr) await showCode(String(event.data.qr), String(event.data.expiresAt))
      if (event.type !== 'session.status') continue
      const state = String(event.data.state)
      if (state === 'connected') return linked(out, json, deviceId, (await api.sessions.get(deviceId)).phoneNumber)
      if (await notLinking(state)) return gaveUp(state, event.data.lastError)
    }
    if (interrupted?.aborted) return EXIT.interrupted
    out.stderr(`error: session "${deviceId}" was not linked within ${Math.round(timeoutMs / 1000)} s\n`)
    return EXIT.notLinked
  } finally {
    clearTimeout(timer)
    done.abort()
    await events.return(undefined)
  }
}

function linked(out: Output, json: boolean, deviceId: string, phoneNumber: string | null): number {
  out.stdout(json ? jsonLine({ deviceId, connected: true, phoneNumber }) : `Linked: session "${deviceId}" is connected${phoneNumber ? ` as +${phoneNumber}` : ''}\n`)
  return EXIT.ok
}
