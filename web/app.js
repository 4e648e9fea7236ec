/**
 * Dashboard entry point: signs in or resumes the cookie session, then wires the sessions store to
 * the live event stream, the list and the details of the session named in the URL (#/sessions/ID).
 */
import * as api from './js/api.js'
import { setupCreateDialog } from './js/create-dialog.js'
import { EventLog } from './js/event-log.js'
import { EventStream } from './js/event-stream.js'
import { setupLogin, showLogin } from './js/login.js'
import { hideBanner, showBanner, toast } from './js/notify.js'
import { ChatView } from './js/chat-view.js'
import { GroupsView } from './js/groups-view.js'
import { PeopleView } from './js/people-view.js'
import { SessionDetail } from './js/session-detail.js'
import { SessionsList } from './js/sessions-list.js'
import { SessionStore } from './js/store.js'

const $ = (id) => document.getElementById(id)

const store = new SessionStore()
const eventLog = new EventLog()
const list = new SessionsList(store, {
  list: $('session-list'),
  search: $('session-search'),
  stateFilter: $('state-filter'),
  count: $('list-count'),
  empty: $('list-empty'),
})
const stream = new EventStream({ onEvent, onState: showStreamState, onResumed: refreshAll })
/** What the right-hand pane shows: a session's details, its chats, its people and profile, or its groups. */
/** @type {{ kind: 'detail', view: SessionDetail } | { kind: 'chats', view: ChatView } | { kind: 'people', view: PeopleView } | { kind: 'groups', view: GroupsView } | null} */
let pane = null
let signedIn = false

api.setHandlers({
  unauthorized: () => leaveDashboard('Your dashboard session ended. Sign in again.'),
  reachable: (reachable) => (reachable ? hideBanner() : showBanner('The server cannot be reached. Retrying as soon as it answers again…')),
})

setupLogin(enterDashboard)
setupCreateDialog($('open-create'), (deviceId) => store.load(deviceId, () => api.createSession(deviceId)), (session) => {
  toast(`Session “${session.deviceId}” created. Scan the QR code to link it.`)
  location.hash = `#/sessions/${encodeURIComponent(session.deviceId)}`
})
$('sign-out').addEventListener('click', signOut)
window.addEventListener('hashchange', () => route(true))
store.subscribe((change) => {
  if (!pane) return
  if (change.kind === 'remove' && change.deviceId === pane.view.deviceId) location.hash = '#/'
  if (change.kind === 'reset') route(false)
})

void boot()

async function boot() {
  let resumed = false
  try {
    resumed = await api.resume()
  } catch (error) {
    showBanner(error.message)
  }
  $('boot').remove()
  if (resumed) await enterDashboard()
  else showLogin()
}

async function enterDashboard() {
  signedIn = true
  $('login-view').hidden = true
  $('dashboard-view').hidden = false
  $('topbar-signed-in').hidden = false
  stream.open()
  await refreshAll()
  route(false)
}

/** Back to the sign-in form, forgetting everything shown (another user may sign in next). */
function leaveDashboard(reason) {
  if (!signedIn) return
  signedIn = false
  cancelReload()
  stream.close()
  pane?.view.destroy()
  pane = null
  store.reset([])
  $('dashboard-view').hidden = true
  $('topbar-signed-in').hidden = true
  showLogin(reason)
}

async function signOut() {
  try {
    await api.logout()
    leaveDashboard('')
    toast('Signed out.')
  } catch (error) {
    toast(`Could not sign out: ${error.message}`, 'error')
  }
}

/** Status changes that came while the list was loading (a page of 1,000 at a time): applied over it once it is in. */
let heldStatus = null
/** A failed load is tried again by itself, waiting longer each time, until one succeeds or a newer one starts. */
const RELOAD_FIRST_MS = 2000
const RELOAD_MAX_MS = 30_000
let reloadTimer = null
let reloadDelayMs = RELOAD_FIRST_MS

function cancelReload() {
  clearTimeout(reloadTimer)
  reloadTimer = null
}

async function refreshAll() {
  cancelReload()
  const held = []
  heldStatus = held
  try {
    const sessions = await api.listSessions()
    // A newer load started meanwhile (the stream resumed), or the user signed out: this answer is stale.
    if (heldStatus !== held || !signedIn) return
    store.reset(sessions)
    for (const event of held) applyStatus(event)
    reloadDelayMs = RELOAD_FIRST_MS
  } catch (error) {
    if (heldStatus !== held || !signedIn) return
    toast(`Could not load the sessions: ${error.message}. Trying again in ${Math.round(reloadDelayMs / 1000)} s.`, 'error')
    // Still applied to the sessions shown; the others (thousands, in a database outage) are not asked
    // for one by one: the next load brings them.
    for (const event of held) if (store.get(event.deviceId)) applyStatus(event)
    reloadTimer = setTimeout(() => void refreshAll(), reloadDelayMs)
    reloadDelayMs = Math.min(RELOAD_MAX_MS, reloadDelayMs * 2)
  } finally {
    if (heldStatus === held) heldStatus = null
  }
}

/** Reloads one session, for what events do not carry (phone number, push name) or one not seen yet. */
async function refreshOne(deviceId) {
  try {
    await store.load(deviceId, () => api.getSession(deviceId))
  } catch (error) {
    if (error.status === 404) store.remove(deviceId)
  }
}

function onEvent(event) {
  eventLog.add(event)
  if (event.type !== 'session.status') return
  if (heldStatus) heldStatus.push(event)
  else applyStatus(event)
}

function applyStatus(event) {
  const { state, lastError } = event.data
  const previous = store.get(event.deviceId)
  store.patchStatus(event.deviceId, { connectionState: state, lastError })
  // A session just linked (or unlinked) has a new phone number and name; one reconnecting keeps
  // its own, and ten thousand coming back after a restart must not cost ten thousand requests.
  const linked = state === 'connected' && (previous?.connectionState === 'qr' || !previous?.phoneNumber)
  if (!previous || linked || state === 'logged_out') void refreshOne(event.deviceId)
}

async function showStreamState(state) {
  const indicator = $('live-indicator')
  indicator.dataset.state = state
  indicator.textContent = state === 'live' ? 'Live' : 'Reconnecting…'
  // Find out why the stream dropped: a signed-out cookie (the request leaves the dashboard) or a
  // server that is down (the request raises the banner). Otherwise the stream retries by itself.
  if (state === 'reconnecting' && signedIn) {
    try {
      if (!(await api.resume())) leaveDashboard('Your dashboard session ended. Sign in again.')
    } catch {
      // Unreachable: the banner is already showing.
    }
  }
}

/** #/sessions/ID, #/sessions/ID/people, #/sessions/ID/chats[/JID] or #/sessions/ID/groups[/JID] (each part URI-encoded). */
const ROUTE = /^#\/sessions\/([^/]+)(?:\/(people)|\/(chats|groups)(?:\/([^/]+))?)?$/

function decoded(part) {
  try {
    return part === undefined ? null : decodeURIComponent(part)
  } catch {
    return null
  }
}

/** Shows the session named in the URL (its details or its chats), or the list alone. */
function route(moveFocus) {
  if (!signedIn) return
  const match = ROUTE.exec(location.hash)
  const deviceId = decoded(match?.[1])
  const kind = match?.[2] ?? match?.[3] ?? 'detail'
  const chat = decoded(match?.[4])
  const session = deviceId === null ? undefined : store.get(deviceId)
  list.select(session ? deviceId : null)
  if (pane && pane.view.deviceId === deviceId && pane.kind === kind && session) {
    if (pane.kind === 'chats' || pane.kind === 'groups') pane.view.show(chat)
    return
  }
  pane?.view.destroy()
  pane = null
  $('detail-placeholder').hidden = Boolean(session)
  $('dashboard-view').dataset.view = session ? kind : 'list'
  if (!session) return
  if (kind === 'chats') {
    const view = new ChatView($('detail-pane'), eventLog, deviceId)
    view.show(chat)
    pane = { kind, view }
  } else if (kind === 'groups') {
    const view = new GroupsView($('detail-pane'), deviceId)
    view.show(chat)
    pane = { kind, view }
  } else if (kind === 'people') {
    pane = { kind, view: new PeopleView($('detail-pane'), deviceId, () => void refreshOne(deviceId)) }
  } else {
    pane = { kind, view: new SessionDetail($('detail-pane'), store, eventLog, deviceId) }
  }
  if (moveFocus) pane.view.focus()
}
