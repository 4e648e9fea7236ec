import * as api from './api.js'
import { ApiError, serverNow } from './api.js'
import { field, setText } from './dom.js'
import { needsLinking } from './format.js'
import { setupTabs } from './tabs.js'

/**
 * Linking an unlinked session: its QR code, replaced live when WhatsApp rotates it and counted
 * down to its expiry, or a pairing code for a phone number. When the codes run out, a button
 * starts the session again for a fresh one.
 */
export class LinkPanel {
  #timer = 0
  #expiresAt = 0
  #lifetimeMs = 0
  #hadCode = false
  #loading = 0
  #state = ''

  /**
   * @param {HTMLElement} section
   * @param {string} deviceId
   * @param {{ start: () => Promise<void> }} actions
   */
  constructor(section, deviceId, actions) {
    this.section = section
    this.deviceId = deviceId
    this.image = /** @type {HTMLImageElement} */ (field(section, 'qrImage'))
    setupTabs(section.querySelector('[role="tablist"]'))
    section.querySelector('[data-action="new-code"]').addEventListener('click', async (event) => {
      const button = event.currentTarget
      button.disabled = true
      try {
        await actions.start()
      } finally {
        button.disabled = false
      }
    })
    section.querySelector('[data-form="pairing"]').addEventListener('submit', (event) => this.#requestPairingCode(event))
  }

  update(session) {
    const state = session.connectionState
    const wasState = this.#state
    this.#state = state
    this.section.hidden = !needsLinking(session)
    if (this.section.hidden) return this.#clearCode()
    if (state === 'qr') {
      field(this.section, 'qrExpired').hidden = true
      if (wasState !== 'qr' || !this.image.dataset.qr) void this.#loadQr()
    } else if (state === 'connecting') {
      this.#clearCode()
      field(this.section, 'qrExpired').hidden = true
      setText(field(this.section, 'qrWaiting'), 'Waiting for a code from WhatsApp…')
    } else {
      // Not running: the codes expired unscanned, it was stopped, or it was logged out.
      this.#clearCode()
      field(this.section, 'qrWaiting').hidden = true
      const expired = field(this.section, 'qrExpired')
      expired.querySelector('.callout').textContent = this.#hadCode
        ? 'This code expired before it was scanned.'
        : 'The session is not running, so there is no code to scan.'
      expired.hidden = false
    }
  }

  /** WhatsApp rotated the code: fetch the image of the new one. */
  onQrEvent() {
    if (!this.section.hidden) void this.#loadQr()
  }

  destroy() {
    clearInterval(this.#timer)
  }

  async #loadQr() {
    // Rotation events and state changes can overlap; only the latest request may update the image.
    const ticket = ++this.#loading
    try {
      const qr = await api.getQr(this.deviceId)
      if (ticket !== this.#loading) return
      this.image.src = qr.qrImage
      this.image.dataset.qr = qr.qrCode
      this.image.hidden = false
      field(this.section, 'qrWaiting').hidden = true
      field(this.section, 'qrExpired').hidden = true
      this.#hadCode = true
      this.#expiresAt = Date.parse(qr.expiresAt)
      this.#lifetimeMs = Math.max(this.#expiresAt - serverNow(), 1)
      this.#tick()
      clearInterval(this.#timer)
      this.#timer = setInterval(() => this.#tick(), 1000)
    } catch (error) {
      if (ticket !== this.#loading) return
      // 409 "not generated yet" is normal just after a start: the session.qr event follows.
      if (error instanceof ApiError && error.status === 409) return
      setText(field(this.section, 'qrWaiting'), `Could not load the QR code: ${error.message}`)
    }
  }

  #tick() {
    const remainingMs = Math.max(this.#expiresAt - serverNow(), 0)
    const seconds = Math.ceil(remainingMs / 1000)
    field(this.section, 'qrCountdown').textContent =
      seconds > 0 ? `Expires in ${seconds} s` : 'This code expired; waiting for the next one…'
    const progress = /** @type {HTMLProgressElement} */ (field(this.section, 'qrProgress'))
    progress.hidden = false
    progress.value = remainingMs / this.#lifetimeMs
    if (remainingMs === 0) clearInterval(this.#timer)
  }

  #clearCode() {
    this.#loading++
    clearInterval(this.#timer)
    this.image.hidden = true
    this.image.removeAttribute('src')
    delete this.image.dataset.qr
    field(this.section, 'qrCountdown').textContent = ''
    field(this.section, 'qrProgress').hidden = true
  }

  async #requestPairingCode(event) {
    event.preventDefault()
    const form = /** @type {HTMLFormElement} */ (event.currentTarget)
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('phoneNumber'))
    const error = field(this.section, 'pairingError')
    const result = field(this.section, 'pairingResult')
    error.textContent = ''
    result.hidden = true
    if (!/^\+?[\d\s().-]{6,}$/.test(input.value.trim())) {
      input.setAttribute('aria-invalid', 'true')
      error.textContent = 'Enter the phone number with its country code, e.g. +1 555 123 4567.'
      return input.focus()
    }
    input.removeAttribute('aria-invalid')
    const submit = form.querySelector('button[type="submit"]')
    submit.disabled = true
    try {
      const code = await api.requestPairingCode(this.deviceId, input.value.trim())
      // WhatsApp shows pairing codes as two groups of four.
      field(this.section, 'pairingCode').textContent = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code
      field(this.section, 'pairingCode').dataset.code = code
      result.hidden = false
    } catch (failure) {
      error.textContent = failure.message
    } finally {
      submit.disabled = false
    }
  }
}
