import { debounce, field, fromTemplate } from './dom.js'
import { keyLabel, phoneLabel, stateLabel } from './format.js'

/** Cards drawn beyond each edge of the part in view, so a quick scroll shows no blank rows. */
const OVERSCAN = 10
/** Cards drawn before any has been measured (the list was hidden). */
const FIRST_DRAW = 40

/**
 * The sessions list, virtualised: it knows every session (ten thousand or more) but draws cards
 * only for the rows in view, with two spacers standing in for the rest, so the page holds a few dozen
 * cards however many sessions there are. Search and the state filter narrow the rows. A change to
 * one session patches its card at once when drawn; the rows are worked out again at most once per
 * frame, however many status events arrive.
 */
export class SessionsList {
  /** Every session, by device id, in order. */
  #ordered = []
  /** The sessions passing the filter, in order. */
  #rows = []
  /** @type {Map<string, HTMLLIElement>} drawn cards by device id */
  #drawn = new Map()
  /** @type {WeakMap<HTMLLIElement, object>} the session each card shows */
  #shows = new WeakMap()
  /** @type {WeakMap<object, string>} what search matches, lower-cased once per session object */
  #searchText = new WeakMap()
  #selected = null
  /** A card's height plus the gap below it, once a card has been measured. */
  #step = 0
  /** The list's gap between rows: a shown spacer is a row too, so it stands in for one gap fewer. */
  #gap = 0
  #frame = 0
  #refilter = false
  /** Stand-ins for the rows above and below the drawn cards (padding would stop the list shrinking to its pane). */
  #above = spacer()
  #below = spacer()

  /**
   * @param {import('./store.js').SessionStore} store
   * @param {{ list: HTMLElement, search: HTMLInputElement, stateFilter: HTMLSelectElement, count: HTMLElement, empty: HTMLElement }} elements
   */
  constructor(store, elements) {
    this.store = store
    this.el = elements
    elements.list.replaceChildren(this.#above, this.#below)
    store.subscribe((change) => this.#apply(change))
    const refilter = debounce(() => this.#schedule(true), 120)
    elements.search.addEventListener('input', refilter)
    elements.stateFilter.addEventListener('change', () => this.#schedule(true))
    const redraw = () => this.#schedule(false)
    // The list scrolls by itself on wide screens and with the page on narrow ones.
    elements.list.addEventListener('scroll', redraw, { passive: true })
    window.addEventListener('scroll', redraw, { passive: true })
    window.addEventListener('resize', redraw)
    // Shown after being hidden (a narrow screen's detail view), or resized by the layout.
    new ResizeObserver(redraw).observe(elements.list)
  }

  select(deviceId) {
    this.#drawn.get(this.#selected)?.querySelector('a').removeAttribute('aria-current')
    this.#selected = deviceId
    this.#drawn.get(deviceId)?.querySelector('a').setAttribute('aria-current', 'page')
  }

  #apply(change) {
    if (change.kind === 'reset') {
      this.#ordered = this.store.all().sort(byId)
    } else if (change.kind === 'upsert') {
      const { session } = change
      const at = indexOf(this.#ordered, session.deviceId)
      if (this.#ordered[at]?.deviceId === session.deviceId) this.#ordered[at] = session
      else this.#ordered.splice(at, 0, session)
      const card = this.#drawn.get(session.deviceId)
      if (card) this.#fill(card, session)
    } else {
      const at = indexOf(this.#ordered, change.deviceId)
      if (this.#ordered[at]?.deviceId === change.deviceId) this.#ordered.splice(at, 1)
    }
    this.#schedule(true)
  }

  /** Works the rows out again (refilter) and draws them, once in the next frame. */
  #schedule(refilter) {
    this.#refilter ||= refilter
    if (this.#frame !== 0) return
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0
      if (this.#refilter) {
        this.#refilter = false
        this.#rows = this.#filtered()
        this.#updateCount()
      }
      this.#draw()
    })
  }

  #filtered() {
    const text = this.el.search.value.trim().toLowerCase().replace(/^\+/, '')
    const state = this.el.stateFilter.value
    if (text === '' && state === '') return this.#ordered
    return this.#ordered.filter((session) => (state === '' || session.connectionState === state) && (text === '' || this.#searchable(session).includes(text)))
  }

  #searchable(session) {
    let text = this.#searchText.get(session)
    if (text === undefined) {
      text = [session.deviceId, session.phoneNumber, session.pushName].filter(Boolean).join(' ').toLowerCase()
      this.#searchText.set(session, text)
    }
    return text
  }

  /** Draws the cards of the rows in view (and a few beyond), reusing the ones already drawn. */
  #draw() {
    const { list } = this.el
    const rows = this.#rows
    const [first, last] = this.#inView(rows.length)
    const wanted = new Set()
    for (let index = first; index < last; index++) wanted.add(rows[index].deviceId)
    for (const [deviceId, card] of this.#drawn) {
      if (wanted.has(deviceId)) continue
      card.remove()
      this.#drawn.delete(deviceId)
    }
    // Cards kept stay in place (and keep focus); new ones go in between, in order.
    let next = this.#above.nextElementSibling
    for (let index = first; index < last; index++) {
      const session = rows[index]
      const card = this.#drawn.get(session.deviceId) ?? this.#create(session)
      if (this.#shows.get(card) !== session) this.#fill(card, session)
      if (card === next) next = next.nextElementSibling
      else list.insertBefore(card, next)
    }
    const step = this.#measure()
    setHeight(this.#above, first * step - this.#gap)
    setHeight(this.#below, (rows.length - last) * step - this.#gap)
  }

  /** The rows to draw: those in view, where the list meets the window, and OVERSCAN either side. */
  #inView(count) {
    if (this.#step === 0) return [0, Math.min(count, FIRST_DRAW)]
    const { list } = this.el
    const box = list.getBoundingClientRect()
    const top = Math.max(box.top, 0) - box.top + list.scrollTop
    const bottom = Math.min(box.bottom, window.innerHeight) - box.top + list.scrollTop
    const first = Math.min(count, Math.max(0, Math.floor(top / this.#step) - OVERSCAN))
    const last = Math.min(count, Math.max(first, Math.ceil(bottom / this.#step) + OVERSCAN))
    return [first, last]
  }

  /** A drawn card's height plus the list's gap; 0 while nothing drawn has a size (the list is hidden). */
  #measure() {
    if (this.#step === 0) {
      const card = this.#above.nextElementSibling
      const height = card instanceof HTMLElement && card !== this.#below ? card.offsetHeight : 0
      if (height > 0) {
        this.#gap = Number.parseFloat(getComputedStyle(this.el.list).rowGap) || 0
        this.#step = height + this.#gap
        // Drawn blind until now: draw again with the size known.
        this.#schedule(false)
      }
    }
    return this.#step
  }

  #create(session) {
    const card = /** @type {HTMLLIElement} */ (fromTemplate('tpl-session-card'))
    card.dataset.deviceId = session.deviceId
    card.querySelector('a').href = `#/sessions/${encodeURIComponent(session.deviceId)}`
    if (session.deviceId === this.#selected) card.querySelector('a').setAttribute('aria-current', 'page')
    this.#drawn.set(session.deviceId, card)
    return card
  }

  #fill(card, session) {
    this.#shows.set(card, session)
    field(card, 'deviceId').textContent = session.deviceId
    field(card, 'deviceId').title = session.deviceId
    const badge = field(card, 'state')
    badge.textContent = stateLabel(session.connectionState)
    badge.dataset.state = session.connectionState
    field(card, 'phone').textContent = phoneLabel(session)
    field(card, 'pushName').textContent = session.pushName ?? ''
    field(card, 'key').textContent = keyLabel(session)
  }

  #updateCount() {
    const total = this.#ordered.length
    const shown = this.#rows.length
    this.el.empty.hidden = total > 0
    const sessions = `${total.toLocaleString()} session${total === 1 ? '' : 's'}`
    this.el.count.textContent = total === 0 ? '' : shown === total ? sessions : `Showing ${shown.toLocaleString()} of ${sessions}`
  }
}

/** An empty row of the given height; hidden when it stands for no rows, so it adds no gap. */
function spacer() {
  const element = document.createElement('li')
  element.className = 'list-spacer'
  element.setAttribute('aria-hidden', 'true')
  element.hidden = true
  return element
}

function setHeight(element, px) {
  element.hidden = px <= 0
  element.style.height = `${px}px`
}

const byId = (a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)

/** Where deviceId is, or would go, in sessions ordered by id (binary search). */
function indexOf(sessions, deviceId) {
  let low = 0
  let high = sessions.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sessions[middle].deviceId < deviceId) low = middle + 1
    else high = middle
  }
  return low
}
