import * as api from './api.js'
import { copyText } from './clipboard.js'
import { confirmAction } from './confirm.js'
import { field, focusHeading, formOf, fromTemplate, setText, textElement } from './dom.js'
import { describeEvent, EVENTS_PER_SESSION } from './event-log.js'
import { keyLabel, stateLabel, timeLabel } from './format.js'
import { KeyOnce } from './key-once.js'
import { LinkPanel } from './link-panel.js'
import { toast } from './notify.js'
import { BehaviourPanel, NamedKeysPanel } from './session-settings-panel.js'
import { buildSnippets } from './snippets.js'
import { setupTabs } from './tabs.js'

const BUSY_STATES = new Set(['connected', 'connecting', 'qr', 'reconnecting'])

const CONFIRMATIONS = {
  logout: (id) => ({
    title: `Log out “${id}”?`,
    message: 'The phone is unlinked and the credentials are wiped. Linking again needs a new QR scan.',
    confirmLabel: 'Log out',
  }),
  delete: (id) => ({
    title: `Delete “${id}”?`,
    message: 'The session, its key, its webhooks and its stored messages are deleted for good.',
    confirmLabel: 'Delete session',
  }),
}

/** The details of one session: lifecycle actions, linking, its API key, a test send, code snippets and live events. */
export class SessionDetail {
  #unsubscribe = []

  /**
   * @param {HTMLElement} container
   * @param {import('./store.js').SessionStore} store
   * @param {import('./event-log.js').EventLog} eventLog
   * @param {string} deviceId
   */
  constructor(container, store, eventLog, deviceId) {
    this.store = store
    this.eventLog = eventLog
    this.deviceId = deviceId
    this.root = fromTemplate('tpl-session-detail')
    container.append(this.root)

    this.link = new LinkPanel(this.root.querySelector('[data-section="link"]'), deviceId, {
      start: () => this.#run('start'),
    })
    this.behaviour = new BehaviourPanel(this.root, store, deviceId)
    this.namedKeys = new NamedKeysPanel(this.root, deviceId)
    this.keyOnce = new KeyOnce(field(this.root, 'keyOnce'), () => this.#button('generate-key').focus())
    this.snippets = {}
    for (const tablist of this.root.querySelectorAll('.panel > [role="tablist"]')) setupTabs(tablist)
    this.#wire()
    this.#renderEvents()

    this.#unsubscribe.push(
      store.subscribe((change) => {
        if (change.kind === 'upsert' && change.session.deviceId === deviceId) this.#render(change.session)
        if (change.kind === 'reset' && store.get(deviceId)) this.#render(store.get(deviceId))
      }),
      eventLog.subscribe((event) => {
        if (event.deviceId !== deviceId) return
        this.#prependEvent(event)
        if (event.type === 'session.qr') this.link.onQrEvent()
      }),
    )
    this.#render(store.get(deviceId))
  }

  focus() {
    focusHeading(field(this.root, 'deviceId'))
  }

  destroy() {
    this.link.destroy()
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    this.root.remove()
  }

  #render(session) {
    const root = this.root
    field(root, 'deviceId').textContent = session.deviceId
    field(root, 'account').textContent = session.phoneNumber
      ? [`+${session.phoneNumber}`, session.pushName].filter(Boolean).join(' · ')
      : 'No phone linked yet'
    const badge = field(root, 'state')
    badge.textContent = stateLabel(session.connectionState)
    badge.dataset.state = session.connectionState
    setText(field(root, 'lastError'), session.lastError && session.connectionState !== 'connected' ? `Last error: ${session.lastError}` : '')

    const pace = /** @type {HTMLInputElement} */ (root.querySelector('[data-form="pace"]').elements.namedItem('sendRatePerMinute'))
    // Never overwrite what someone is typing.
    if (document.activeElement !== pace) pace.value = session.sendRatePerMinute === null ? '' : String(session.sendRatePerMinute)
    const calls = formOf(root, 'calls')
    if (!calls.contains(document.activeElement)) {
      calls.elements.namedItem('rejectCalls').checked = session.rejectCalls
      calls.elements.namedItem('rejectCallMessage').value = session.rejectCallMessage ?? ''
    }

    const state = session.connectionState
    this.#button('start').disabled = BUSY_STATES.has(state)
    this.#button('stop').disabled = !BUSY_STATES.has(state) && !session.isActive
    this.#button('logout').disabled = state === 'logged_out' || !session.phoneNumber

    field(root, 'keyStatus').textContent = session.hasApiKey
      ? `${keyLabel(session)} (masked). Generating a new key replaces it at once.`
      : 'No API key yet: generate one so applications can send through this session (the admin key works too).'
    this.#button('generate-key').textContent = session.hasApiKey ? 'Generate new key' : 'Generate key'

    this.snippets = buildSnippets({ origin: location.origin, deviceId: session.deviceId, apiKeyMasked: session.apiKeyMasked })
    for (const [language, code] of Object.entries(this.snippets)) {
      root.querySelector(`[data-snippet="${language}"]`).textContent = code
    }
    this.link.update(session)
    this.behaviour.update(session)
    field(root, 'chatsLink').setAttribute('href', `#/sessions/${encodeURIComponent(session.deviceId)}/chats`)
    field(root, 'peopleLink').setAttribute('href', `#/sessions/${encodeURIComponent(session.deviceId)}/people`)
    field(root, 'groupsLink').setAttribute('href', `#/sessions/${encodeURIComponent(session.deviceId)}/groups`)
  }

  #button(action) {
    return /** @type {HTMLButtonElement} */ (this.root.querySelector(`[data-action="${action}"]`))
  }

  #wire() {
    const root = this.root
    for (const action of ['start', 'stop', 'restart', 'logout', 'delete']) {
      this.#button(action).addEventListener('click', () => this.#run(action))
    }
    this.#button('generate-key').addEventListener('click', () => this.#setKey())
    root.querySelector('[data-form="custom-key"]').addEventListener('submit', (event) => {
      event.preventDefault()
      const input = /** @type {HTMLInputElement} */ (event.currentTarget.elements.namedItem('apiKey'))
      void this.#setKey(input.value).then((saved) => saved && (input.value = ''))
    })
    root.querySelector('[data-form="send"]').addEventListener('submit', (event) => this.#send(event))
    root.querySelector('[data-form="pace"]').addEventListener('submit', (event) => this.#savePace(event))
    root.querySelector('[data-form="calls"]').addEventListener('submit', (event) => this.#saveCalls(event))
    for (const button of root.querySelectorAll('[data-copy-snippet]')) {
      button.addEventListener('click', () => copyText(this.snippets[button.dataset.copySnippet], 'snippet'))
    }
  }

  /** Runs a lifecycle action, asking first when it destroys something. */
  async #run(action) {
    const confirmation = CONFIRMATIONS[action]
    if (confirmation && !(await confirmAction(confirmation(this.deviceId)))) return
    const button = this.#button(action)
    button.disabled = true
    button.setAttribute('aria-busy', 'true')
    try {
      if (action === 'delete') {
        await api.deleteSession(this.deviceId)
        toast(`Session “${this.deviceId}” deleted.`)
        this.eventLog.forget(this.deviceId)
        this.store.remove(this.deviceId)
        location.hash = '#/'
        return
      }
      await this.store.load(this.deviceId, () => api.sessionAction(this.deviceId, action))
      toast(`Session “${this.deviceId}” ${PAST[action]}.`)
    } catch (error) {
      toast(`Could not ${action} “${this.deviceId}”: ${error.message}`, 'error')
    } finally {
      button.removeAttribute('aria-busy')
      // Re-derive enabled states from the latest session rather than blindly re-enabling.
      const session = this.store.get(this.deviceId)
      if (session) this.#render(session)
    }
  }

  /** Generates a key (no argument) or sets the given one; shows it once. */
  async #setKey(custom) {
    const error = field(this.root, 'keyError')
    error.textContent = ''
    const session = this.store.get(this.deviceId)
    if (custom === undefined && session.hasApiKey) {
      const replace = await confirmAction({
        title: 'Replace the API key?',
        message: 'The current key stops working at once; applications using it must be updated.',
        confirmLabel: 'Generate new key',
      })
      if (!replace) return false
    }
    try {
      const key = await api.setApiKey(this.deviceId, custom)
      if (custom === undefined) this.keyOnce.show(key)
      else toast('API key saved.')
      await this.store.load(this.deviceId, () => api.getSession(this.deviceId))
      return true
    } catch (failure) {
      error.textContent = failure.message
      return false
    }
  }

  /** Saves the session's own send rate; an empty field returns it to the server default. */
  async #savePace(event) {
    event.preventDefault()
    const input = /** @type {HTMLInputElement} */ (event.currentTarget.elements.namedItem('sendRatePerMinute'))
    const error = field(this.root, 'paceError')
    error.textContent = ''
    const value = input.value.trim()
    const rate = value === '' ? null : Number(value)
    if (rate !== null && (!Number.isInteger(rate) || rate < 0 || rate > 100_000)) {
      error.textContent = 'Enter a whole number from 0 to 100000, or leave it empty for the server default.'
      return
    }
    try {
      await this.store.load(this.deviceId, () => api.updateSettings(this.deviceId, { sendRatePerMinute: rate }))
      toast(rate === null ? 'Pace reset to the server default.' : `Pace set to ${rate} messages per minute.`)
    } catch (failure) {
      error.textContent = failure.message
    }
  }

  /** Saves whether calls are rejected and what the caller is told. */
  async #saveCalls(event) {
    event.preventDefault()
    const form = /** @type {HTMLFormElement} */ (event.currentTarget)
    const error = field(this.root, 'callsError')
    error.textContent = ''
    const rejectCalls = form.elements.namedItem('rejectCalls').checked
    const rejectCallMessage = form.elements.namedItem('rejectCallMessage').value.trim() || null
    try {
      await this.store.load(this.deviceId, () => api.updateSettings(this.deviceId, { rejectCalls, rejectCallMessage }))
      toast(rejectCalls ? 'Calls will be rejected.' : 'Calls will ring.')
    } catch (failure) {
      error.textContent = failure.message
    }
  }

  async #send(event) {
    event.preventDefault()
    const form = /** @type {HTMLFormElement} */ (event.currentTarget)
    const number = /** @type {HTMLInputElement} */ (form.elements.namedItem('number'))
    const message = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('message'))
    const error = field(this.root, 'sendError')
    const result = field(this.root, 'sendResult')
    error.textContent = ''
    result.textContent = ''
    for (const input of [number, message]) {
      const empty = input.value.trim() === ''
      input.toggleAttribute('aria-invalid', empty)
      if (empty) {
        error.textContent = input === number ? 'Enter the recipient’s number.' : 'Enter a message.'
        return input.focus()
      }
    }
    const submit = form.querySelector('button[type="submit"]')
    submit.disabled = true
    try {
      const sent = await api.sendText(this.deviceId, number.value.trim(), message.value)
      result.textContent = `Sent to ${sent.to} (status ${sent.status}, id ${sent.messageId}).`
    } catch (failure) {
      error.textContent = failure.message
    } finally {
      submit.disabled = false
    }
  }

  #renderEvents() {
    const list = field(this.root, 'events')
    list.replaceChildren(...this.eventLog.of(this.deviceId).map(eventItem))
    field(this.root, 'eventsEmpty').hidden = list.childElementCount > 0
  }

  #prependEvent(event) {
    const list = field(this.root, 'events')
    list.prepend(eventItem(event))
    while (list.childElementCount > EVENTS_PER_SESSION) list.lastElementChild.remove()
    field(this.root, 'eventsEmpty').hidden = true
  }
}

const PAST = { start: 'started', stop: 'stopped', restart: 'restarted', logout: 'logged out' }

function eventItem(event) {
  const item = document.createElement('li')
  item.dataset.type = event.type
  const time = textElement('time', timeLabel(event.timestamp), 'event-time')
  time.dateTime = event.timestamp
  item.append(time, textElement('span', event.type, 'event-type'), textElement('span', describeEvent(event), 'event-text'))
  return item
}
