import * as api from './api.js'
import { confirmAction } from './confirm.js'
import { field, formOf, textElement } from './dom.js'
import { timeLabel } from './format.js'
import { KeyOnce } from './key-once.js'
import { toast } from './notify.js'

const IGNORED_KINDS = ['groups', 'status', 'channels', 'broadcast']
const SCOPES = ['send', 'read', 'manage']

/** The session's connection and behaviour settings: proxy, device name, presence, read receipts, ignored kinds, metadata. */
export class BehaviourPanel {
  /**
   * @param {HTMLElement} root the session detail
   * @param {import('./store.js').SessionStore} store
   * @param {string} deviceId
   */
  constructor(root, store, deviceId) {
    this.root = root
    this.store = store
    this.deviceId = deviceId
    this.form = formOf(root, 'behaviour')
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#save(this.#change())
    })
    this.clearProxy = /** @type {HTMLButtonElement} */ (root.querySelector('[data-action="clear-proxy"]'))
    this.clearProxy.addEventListener('click', () => void this.#save({ proxy: null }))
  }

  /** Shows the session's settings, never overwriting a form someone is editing. */
  update(session) {
    const { settings } = session
    field(this.root, 'proxyCurrent').textContent = settings.proxy ? `Current proxy: ${settings.proxy}` : 'No proxy of its own: the server\'s, if any.'
    this.clearProxy.hidden = settings.proxy === null
    if (this.form.contains(document.activeElement)) return
    const input = (name) => /** @type {HTMLInputElement} */ (this.form.elements.namedItem(name))
    input('deviceName').value = settings.deviceName ?? ''
    input('markOnline').checked = settings.markOnline
    input('autoRead').checked = settings.autoRead
    for (const kind of IGNORED_KINDS) input(`ignore-${kind}`).checked = settings.ignore[kind]
    input('metadata').value = settings.metadata === null ? '' : JSON.stringify(settings.metadata, null, 2)
  }

  /** The form as a settings change; a proxy only when one was typed (the stored one is never shown). */
  #change() {
    const elements = this.form.elements
    const value = (name) => /** @type {HTMLInputElement} */ (elements.namedItem(name)).value.trim()
    const checked = (name) => /** @type {HTMLInputElement} */ (elements.namedItem(name)).checked
    const change = {
      deviceName: value('deviceName') || null,
      markOnline: checked('markOnline'),
      autoRead: checked('autoRead'),
      ignore: Object.fromEntries(IGNORED_KINDS.map((kind) => [kind, checked(`ignore-${kind}`)])),
      metadata: null,
    }
    if (value('proxy')) change.proxy = value('proxy')
    if (value('metadata')) {
      try {
        change.metadata = JSON.parse(value('metadata'))
      } catch {
        return { invalid: 'Metadata must be valid JSON, for example { "tenant": "acme" }.' }
      }
      if (typeof change.metadata !== 'object' || change.metadata === null || Array.isArray(change.metadata)) {
        return { invalid: 'Metadata must be a JSON object, for example { "tenant": "acme" }.' }
      }
    }
    return change
  }

  async #save(change) {
    const error = field(this.root, 'behaviourError')
    error.textContent = change.invalid ?? ''
    if (change.invalid) return
    try {
      await this.store.load(this.deviceId, () => api.updateSettings(this.deviceId, change))
      const proxy = /** @type {HTMLInputElement} */ (this.form.elements.namedItem('proxy'))
      proxy.value = ''
      toast(change.proxy !== undefined ? 'Settings saved; the session reconnects through its proxy.' : 'Settings saved.')
    } catch (failure) {
      error.textContent = failure.message
    }
  }
}

/** The session's named keys: listed masked with their scopes and last use, created (shown once), revoked. */
export class NamedKeysPanel {
  /**
   * @param {HTMLElement} root the session detail
   * @param {string} deviceId
   */
  constructor(root, deviceId) {
    this.root = root
    this.deviceId = deviceId
    this.form = formOf(root, 'named-key')
    this.once = new KeyOnce(field(root, 'namedKeyOnce'), () => /** @type {HTMLInputElement} */ (this.form.elements.namedItem('name')).focus())
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#create()
    })
    void this.#load()
  }

  async #load() {
    try {
      this.#render(await api.listKeys(this.deviceId))
    } catch (failure) {
      field(this.root, 'namedKeyError').textContent = failure.message
    }
  }

  #render(keys) {
    const list = field(this.root, 'namedKeys')
    list.replaceChildren(...keys.map((key) => this.#item(key)))
    field(this.root, 'namedKeysEmpty').hidden = keys.length > 0
  }

  #item(key) {
    const item = document.createElement('li')
    item.dataset.keyId = key.id
    const revoke = textElement('button', 'Revoke', 'btn btn-ghost')
    revoke.type = 'button'
    revoke.setAttribute('aria-label', `Revoke ${key.name}`)
    revoke.addEventListener('click', () => void this.#revoke(key))
    item.append(
      textElement('span', key.name, 'key-name'),
      textElement('span', key.scopes.join(', ')),
      textElement('span', key.keyMasked, 'mono'),
      textElement('span', key.lastUsedAt ? `last used ${timeLabel(key.lastUsedAt)}` : 'never used'),
      revoke,
    )
    return item
  }

  async #create() {
    const error = field(this.root, 'namedKeyError')
    error.textContent = ''
    const name = /** @type {HTMLInputElement} */ (this.form.elements.namedItem('name'))
    const scopes = SCOPES.filter((scope) => /** @type {HTMLInputElement} */ (this.form.elements.namedItem(`scope-${scope}`)).checked)
    if (!name.value.trim()) return void (error.textContent = 'Give the key a name, such as the application that will use it.')
    if (scopes.length === 0) return void (error.textContent = 'Pick at least one scope.')
    try {
      const { apiKey } = await api.createKey(this.deviceId, name.value.trim(), scopes)
      name.value = ''
      this.once.show(apiKey)
      await this.#load()
    } catch (failure) {
      error.textContent = failure.message
    }
  }

  async #revoke(key) {
    const confirmed = await confirmAction({
      title: `Revoke “${key.name}”?`,
      message: 'Applications using this key are refused from now on, on every node.',
      confirmLabel: 'Revoke key',
    })
    if (!confirmed) return
    try {
      await api.revokeKey(this.deviceId, key.id)
      toast(`Key “${key.name}” revoked.`)
      await this.#load()
    } catch (failure) {
      field(this.root, 'namedKeyError').textContent = failure.message
    }
  }
}
