/**
 * The dashboard's HTTP client. Authentication is the HttpOnly session cookie the browser sends by
 * itself; this module only adds the CSRF token to state-changing requests and turns every failure
 * into an ApiError carrying the server's own message.
 */

export class ApiError extends Error {
  /** @param {string} message @param {number} status 0 when the server could not be reached */
  constructor(message, status) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

let csrfToken = ''
let onUnauthorized = () => {}
let onReachable = (_reachable) => {}
/** Server clock minus browser clock, so QR countdowns stay right on a machine with a wrong clock. */
let clockOffsetMs = 0

/** @param {{ unauthorized: () => void, reachable: (reachable: boolean) => void }} handlers */
export function setHandlers(handlers) {
  onUnauthorized = handlers.unauthorized
  onReachable = handlers.reachable
}

/** The server's current time in ms. */
export function serverNow() {
  return Date.now() + clockOffsetMs
}

function learnClock(response) {
  const date = Date.parse(response.headers.get('date') ?? '')
  if (Number.isNaN(date)) return
  const offset = date - Date.now()
  // The Date header has one-second resolution: only a larger gap is a real clock difference.
  clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0
}

/** @param {unknown} body JSON, or FormData sent as multipart */
async function request(method, path, body) {
  const headers = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  const multipart = body instanceof FormData
  if (body !== undefined && !multipart) headers['content-type'] = 'application/json'
  let response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || multipart ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    })
  } catch {
    onReachable(false)
    throw new ApiError('The server cannot be reached. Check that it is running and your network is up.', 0)
  }
  onReachable(true)
  learnClock(response)
  const data = await response.json().catch(() => null)
  if (response.ok && data?.success !== false) return data ?? {}
  const message = typeof data?.error === 'string' ? data.error : `The server answered HTTP ${response.status}.`
  // A 401 outside sign-in means the cookie expired or was revoked: back to the sign-in form.
  if (response.status === 401 && !path.startsWith('/api/dashboard/')) onUnauthorized()
  throw new ApiError(message, response.status)
}

const session = (deviceId) => `/api/sessions/${encodeURIComponent(deviceId)}`

export async function login(adminKey) {
  const data = await request('POST', '/api/dashboard/login', { adminKey })
  csrfToken = data.csrfToken
}

/** Resumes an existing cookie session; false when there is none. */
export async function resume() {
  try {
    csrfToken = (await request('GET', '/api/dashboard/session')).csrfToken
    return true
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false
    throw error
  }
}

export async function logout() {
  await request('POST', '/api/dashboard/logout')
  csrfToken = ''
}

/** Sessions per list request: one answer of ten thousand would hold the server for a few hundred ms. */
const LIST_PAGE = 1000
/** Every session, in creation order, a page at a time. */
export const listSessions = async () => {
  const sessions = []
  let cursor = null
  do {
    const page = await request('GET', `/api/sessions?limit=${LIST_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    sessions.push(...page.sessions)
    cursor = page.nextCursor
  } while (cursor)
  return sessions
}
export const getSession = async (deviceId) => (await request('GET', session(deviceId))).session
export const createSession = async (deviceId) => (await request('POST', '/api/sessions', { deviceId })).session
export const deleteSession = (deviceId) => request('DELETE', session(deviceId))
/** @param {'start'|'stop'|'restart'|'logout'} action */
export const sessionAction = async (deviceId, action) => (await request('POST', `${session(deviceId)}/${action}`)).session
/** @returns {Promise<{qrCode: string, qrImage: string, expiresAt: string}>} */
export const getQr = (deviceId) => request('GET', `${session(deviceId)}/qr`)
export const requestPairingCode = async (deviceId, phoneNumber) =>
  (await request('POST', `${session(deviceId)}/pairing-code`, { phoneNumber })).code
/** Generates a key, or sets the given one; returns the key (the only time it is readable). */
export const setApiKey = async (deviceId, apiKey) =>
  (await request('PUT', `${session(deviceId)}/api-key`, apiKey === undefined ? {} : { apiKey })).apiKey
/** Any of the session's settings (null: the default); answers the session. */
export const updateSettings = async (deviceId, settings) => (await request('PUT', `${session(deviceId)}/settings`, settings)).session
export const listKeys = async (deviceId) => (await request('GET', `${session(deviceId)}/keys`)).keys
/** A named key with these scopes: answers { key, apiKey }, the only time the key is readable. */
export const createKey = (deviceId, name, scopes) => request('POST', `${session(deviceId)}/keys`, { name, scopes })
export const revokeKey = (deviceId, keyId) => request('DELETE', `${session(deviceId)}/keys/${encodeURIComponent(keyId)}`)
export const sendText = (deviceId, number, message) => request('POST', '/api/messages/send', { deviceId, number, message })

const chat = (deviceId, jid) => `${session(deviceId)}/chats/${encodeURIComponent(jid)}`
export const listChats = async (deviceId) => (await request('GET', `${session(deviceId)}/chats?limit=200`)).chats
export const chatMessages = async (deviceId, jid, before) =>
  (await request('GET', `${chat(deviceId, jid)}/messages?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`)).messages
export const markChatRead = async (deviceId, jid) => (await request('POST', `${chat(deviceId, jid)}/read`)).read
/** Where a received message's media downloads (the cookie authenticates it). */
export const mediaUrl = (deviceId, messageId) => `${session(deviceId)}/messages/${encodeURIComponent(messageId)}/media`
/** Sends a file (and its caption) as multipart, the type guessed by the server from the file. */
export function sendFile(deviceId, number, file, caption) {
  const form = new FormData()
  form.append('deviceId', deviceId)
  form.append('number', number)
  if (caption) form.append('caption', caption)
  form.append('file', file, file.name)
  return request('POST', '/api/messages/send-file', form)
}

const person = (deviceId, contact) => `${session(deviceId)}/contacts/${encodeURIComponent(contact)}`
export const listContacts = async (deviceId) => (await request('GET', `${session(deviceId)}/contacts?limit=1000`)).contacts
export const getContact = (deviceId, contact) => request('GET', person(deviceId, contact))
export const setBlocked = (deviceId, contact, blocked) => request('POST', `${person(deviceId, contact)}/${blocked ? 'block' : 'unblock'}`)
export const getProfile = (deviceId) => request('GET', `${session(deviceId)}/profile`)
/** @param {{ name?: string, about?: string, picture?: { base64: string } }} change */
export const updateProfile = (deviceId, change) => request('PUT', `${session(deviceId)}/profile`, change)
export const removeProfilePicture = (deviceId) => request('DELETE', `${session(deviceId)}/profile/picture`)
export const getPrivacy = async (deviceId) => (await request('GET', `${session(deviceId)}/profile/privacy`)).privacy
export const setPrivacy = async (deviceId, settings) => (await request('PUT', `${session(deviceId)}/profile/privacy`, settings)).privacy

const group = (deviceId, jid) => `${session(deviceId)}/groups/${encodeURIComponent(jid)}`
export const listGroups = async (deviceId) => (await request('GET', `${session(deviceId)}/groups`)).groups
export const getGroup = async (deviceId, jid) => (await request('GET', group(deviceId, jid))).group
export const createGroup = (deviceId, spec) => request('POST', `${session(deviceId)}/groups`, spec)
export const updateGroup = (deviceId, jid, change) => request('PUT', group(deviceId, jid), change)
export const changeParticipants = async (deviceId, jid, action, participants) =>
  (await request('POST', `${group(deviceId, jid)}/participants`, { action, participants })).results
export const groupInvite = (deviceId, jid) => request('GET', `${group(deviceId, jid)}/invite`)
export const revokeGroupInvite = (deviceId, jid) => request('POST', `${group(deviceId, jid)}/invite/revoke`)
export const joinGroup = (deviceId, link) => request('POST', `${session(deviceId)}/groups/join`, { link })
export const leaveGroup = (deviceId, jid) => request('POST', `${group(deviceId, jid)}/leave`)
