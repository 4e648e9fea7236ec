/** How session states, keys and numbers read in the UI (one place, shared by the list and the details). */

const STATE_LABELS = {
  connected: 'Connected',
  qr: 'Waiting for scan',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  disconnected: 'Disconnected',
  logged_out: 'Logged out',
  failed: 'Failed',
}

export function stateLabel(state) {
  return STATE_LABELS[state] ?? state
}

export function phoneLabel(session) {
  return session.phoneNumber ? `+${session.phoneNumber}` : 'Not linked'
}

export function keyLabel(session) {
  return session.hasApiKey ? `Key ${session.apiKeyMasked}` : 'No API key'
}

/** Unlinked sessions that are waiting for, or need, a QR scan or pairing code. */
export function needsLinking(session) {
  const state = session.connectionState
  if (state === 'qr' || state === 'logged_out') return true
  if (session.phoneNumber) return false
  return state === 'connecting' || state === 'disconnected' || state === 'failed'
}

export function timeLabel(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** 1–64 letters, digits, "-" or "_", as the server requires. */
export const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/
