import { debounce, field, fromTemplate } from './dom.js'
import { keyLabel, phoneLabel, stateLabel } from './format.js'

/**
 * The sessions list. Each card is built once and then patched in place when its session changes;
 * search and the state filter only toggle `hidden`, so a list of 1,000 stays responsive.
 */
export class SessionsList {
  /** @type {Map<string, HTMLLIElement>} */
  #cards = new Map()
  #selected = null

  /**
   * @param {import('./store.js').SessionStore} store
   * @param {{ list: HTMLElement, search: HTMLInputElement, stateFilter: HTMLSelectElement, count: HTMLElement, empty: HTMLElement }} elements
   */
  constructor(store, elements) {
    this.store = store
    this.el = elements
    store.subscribe((change) => this.#apply(change))
    const refilter = debounce(() => this.#filterAll(), 120)
    elements.search.addEventListener('input', refilter)
    elements.stateFilter.addEventListener('change', () => this.#filterAll())
  }

  select(deviceId) {
    this.#cards.get(this.#selected)?.querySelector('a').removeAttribute('aria-current')
    this.#selected = deviceId
    this.#cards.get(deviceId)?.querySelector('a').setAttribute('aria-current', 'page')
  }

  #apply(change) {
    if (change.kind === 'reset') this.#renderAll()
    else if (change.kind === 'upsert') this.#upsert(change.session)
    else this.#remove(change.deviceId)
    this.#updateCount()
  }

  #renderAll() {
    this.#cards.clear()
    const fragment = document.createDocumentFragment()
    for (const session of this.store.all().sort(byId)) {
      const card = this.#create(session)
      fragment.append(card)
    }
    this.el.list.replaceChildren(fragment)
    this.select(this.#selected)
  }

  #create(session) {
    const card = /** @type {HTMLLIElement} */ (fromTemplate('tpl-session-card'))
    card.dataset.deviceId = session.deviceId
    card.querySelector('a').href = `#/sessions/${encodeURIComponent(session.deviceId)}`
    this.#cards.set(session.deviceId, card)
    this.#fill(card, session)
    return card
  }

  #upsert(session) {
    const card = this.#cards.get(session.deviceId)
    if (card) return this.#fill(card, session)
    const created = this.#create(session)
    // Keep alphabetical order: insert before the first card that sorts after the new one.
    const next = [...this.el.list.children].find((other) => other.dataset.deviceId > session.deviceId)
    this.el.list.insertBefore(created, next ?? null)
    if (session.deviceId === this.#selected) this.select(session.deviceId)
  }

  #remove(deviceId) {
    this.#cards.get(deviceId)?.remove()
    this.#cards.delete(deviceId)
  }

  #fill(card, session) {
    field(card, 'deviceId').textContent = session.deviceId
    const badge = field(card, 'state')
    badge.textContent = stateLabel(session.connectionState)
    badge.dataset.state = session.connectionState
    field(card, 'phone').textContent = phoneLabel(session)
    field(card, 'pushName').textContent = session.pushName ?? ''
    field(card, 'key').textContent = keyLabel(session)
    // What search matches: lower-cased once per change, not once per keystroke.
    card.dataset.search = [session.deviceId, session.phoneNumber, session.pushName].filter(Boolean).join(' ').toLowerCase()
    card.dataset.state = session.connectionState
    this.#filterOne(card, this.#criteria())
  }

  #criteria() {
    return { text: this.el.search.value.trim().toLowerCase().replace(/^\+/, ''), state: this.el.stateFilter.value }
  }

  #filterOne(card, { text, state }) {
    card.hidden = (text !== '' && !card.dataset.search.includes(text)) || (state !== '' && card.dataset.state !== state)
  }

  #filterAll() {
    const criteria = this.#criteria()
    for (const card of this.#cards.values()) this.#filterOne(card, criteria)
    this.#updateCount()
  }

  #updateCount() {
    const total = this.#cards.size
    let shown = 0
    for (const card of this.#cards.values()) if (!card.hidden) shown++
    this.el.empty.hidden = total > 0
    const sessions = `${total.toLocaleString()} session${total === 1 ? '' : 's'}`
    this.el.count.textContent = total === 0 ? '' : shown === total ? sessions : `Showing ${shown.toLocaleString()} of ${sessions}`
  }
}

const byId = (a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)
