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
/** @type {SessionDetail | null} */
let detail = null
let signedIn = false

api.setHandlers({
  unauthorized: () => leaveDashboard('Your dashboard session ended. Sign in again.'),
  reachable: (reachable) => (reachable ? hideBanner() : showBanner('The server cannot be reached. Retrying as soon as it answers again…')),
})

setupLogin(enterDashboard)
setupCreateDialog($('open-create'), (session) => {
  store.upsert(session)
  toast(`Session “${session.deviceId}” created. Scan the QR code to link it.`)
  location.hash = `#/sessions/${encodeURIComponent(session.deviceId)}`
})
$('sign-out').addEventListener('click', signOut)
window.addEventListener('hashchange', () => route(true))
store.subscribe((change) => {
  if (!detail) return
  if (change.kind === 'remove' && change.deviceId === detail.deviceId) location.hash = '#/'
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
  stream.close()
  detail?.destroy()
  detail = null
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

async function refreshAll() {
  try {
    store.reset(await api.listSessions())
  } catch (error) {
    toast(`Could not load the sessions: ${error.message}`, 'error')
  }
}

/** Reloads one session, for what events do not carry (phone number, push name) or one not seen yet. */
async function refreshOne(deviceId) {
  try {
    store.upsert(await api.getSession(deviceId))
  } catch (error) {
    if (error.status === 404) store.remove(deviceId)
  }
}

function onEvent(event) {
  eventLog.add(event)
  if (event.type !== 'session.status') return
  const { state, lastError } = event.data
  const known = store.patch(event.deviceId, { connectionState: state, lastError })
  if (!known || state === 'connected' || state === 'logged_out') void refreshOne(event.deviceId)
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

/** Shows the session named in the URL, or the list alone. */
function route(moveFocus) {
  if (!signedIn) return
  const match = /^#\/sessions\/(.+)$/.exec(location.hash)
  const deviceId = match ? decodeURIComponent(match[1]) : null
  const session = deviceId === null ? undefined : store.get(deviceId)
  list.select(session ? deviceId : null)
  if (detail && detail.deviceId === deviceId && session) return
  detail?.destroy()
  detail = null
  $('detail-placeholder').hidden = Boolean(session)
  $('dashboard-view').dataset.view = session ? 'detail' : 'list'
  if (!session) return
  detail = new SessionDetail($('detail-pane'), store, eventLog, deviceId)
  if (moveFocus) detail.focus()
}
