/**
 * A session's people: the account's own profile (name, "about", picture) and privacy settings,
 * editable, and its contacts, searchable, each with its picture, "about" and a block switch.
 */
import * as api from './api.js'
import { debounce, field, focusHeading, formOf, mountSessionView, setText, textElement } from './dom.js'
import { toast } from './notify.js'

/** Each privacy setting, its label and the values WhatsApp allows for it. */
const PRIVACY = [
  ['lastSeen', 'Who sees last seen', ['all', 'contacts', 'contact_blacklist', 'none']],
  ['online', 'Who sees when online', ['all', 'match_last_seen']],
  ['profilePicture', 'Who sees the picture', ['all', 'contacts', 'contact_blacklist', 'none']],
  ['about', 'Who sees the about', ['all', 'contacts', 'contact_blacklist', 'none']],
  ['readReceipts', 'Read receipts', ['all', 'none']],
  ['groupsAdd', 'Who can add to groups', ['all', 'contacts', 'contact_blacklist']],
  ['calls', 'Who can call', ['all', 'known']],
  ['messages', 'Who can write', ['all', 'contacts']],
]

const VALUE_LABELS = {
  all: 'Everyone', contacts: 'My contacts', contact_blacklist: 'My contacts except…', none: 'Nobody',
  match_last_seen: 'Same as last seen', known: 'Known numbers only',
}

/** The file as base64, for a JSON body. */
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.addEventListener('load', () => resolve(String(reader.result).replace(/^data:[^,]*,/, '')))
    reader.addEventListener('error', () => reject(new Error(`Could not read ${file.name}`)))
    reader.readAsDataURL(file)
  })
}

/** The picture, or the first letter of the name when there is none or it cannot load (the links expire). */
function picture(url, name) {
  const letter = textElement('span', name.slice(0, 1).toUpperCase() || '?', 'avatar')
  letter.setAttribute('aria-hidden', 'true')
  if (!url) return letter
  const image = document.createElement('img')
  image.className = 'avatar avatar-image'
  image.src = url
  image.alt = `Picture of ${name}`
  image.referrerPolicy = 'no-referrer'
  image.addEventListener('error', () => image.replaceWith(letter))
  return image
}

export class PeopleView {
  #contacts = []
  /** The privacy settings as WhatsApp reported them: only changed ones are sent back. */
  #privacy = {}

  /** @param {HTMLElement} container @param {string} deviceId @param {() => void} onProfileSaved */
  constructor(container, deviceId, onProfileSaved) {
    this.deviceId = deviceId
    this.onProfileSaved = onProfileSaved
    this.root = mountSessionView(container, 'tpl-people-view', deviceId, 'People')
    this.#buildPrivacyForm()
    this.#wire()
    void this.#loadProfile()
    void this.#loadContacts()
  }

  focus() {
    focusHeading(field(this.root, 'title'))
  }

  destroy() {
    this.root.remove()
  }

  async #loadProfile() {
    try {
      const [profile, privacy] = await Promise.all([api.getProfile(this.deviceId), api.getPrivacy(this.deviceId)])
      this.#showProfile(profile)
      this.#privacy = privacy
      for (const [setting, value] of Object.entries(privacy)) {
        const select = formOf(this.root, 'privacy').elements.namedItem(setting)
        if (select) select.value = value
      }
      setText(field(this.root, 'profileError'), '')
    } catch (error) {
      setText(field(this.root, 'profileError'), `Could not load the profile: ${error.message}`)
    }
  }

  #showProfile(profile) {
    field(this.root, 'profilePicture').replaceChildren(picture(profile.pictureUrl, profile.name ?? '?'))
    const form = formOf(this.root, 'profile')
    form.elements.namedItem('name').value = profile.name ?? ''
    form.elements.namedItem('about').value = profile.about ?? ''
    field(this.root, 'profileAccount').textContent = [profile.phoneNumber && `+${profile.phoneNumber}`, profile.lid].filter(Boolean).join(' · ')
  }

  #buildPrivacyForm() {
    const fields = field(this.root, 'privacyFields')
    for (const [setting, label, values] of PRIVACY) {
      const wrapper = document.createElement('div')
      wrapper.className = 'field'
      const id = `privacy-${setting}`
      const labelElement = textElement('label', label)
      labelElement.htmlFor = id
      const select = document.createElement('select')
      select.id = id
      select.name = setting
      for (const value of values) {
        const option = textElement('option', VALUE_LABELS[value] ?? value)
        option.value = value
        select.append(option)
      }
      wrapper.append(labelElement, select)
      fields.append(wrapper)
    }
  }

  async #loadContacts() {
    try {
      this.#contacts = await api.listContacts(this.deviceId)
      this.#renderContacts()
    } catch (error) {
      setText(field(this.root, 'contactsError'), `Could not load the contacts: ${error.message}`)
    }
  }

  #renderContacts() {
    const query = /** @type {HTMLInputElement} */ (field(this.root, 'contactSearch')).value.trim().toLowerCase()
    const shown = this.#contacts.filter((contact) =>
      [contact.name, contact.pushName, contact.phoneNumber, contact.jid].some((value) => value?.toLowerCase().includes(query)))
    field(this.root, 'contacts').replaceChildren(...shown.map((contact) => this.#contactItem(contact)))
    setText(field(this.root, 'contactsEmpty'), shown.length ? '' : this.#contacts.length ? 'No contact matches.' : 'No contacts yet: they come with the phone\u2019s history when it links.')
  }

  #contactItem(contact) {
    const item = document.createElement('li')
    item.className = 'contact'
    const title = contact.name ?? contact.pushName ?? (contact.phoneNumber ? `+${contact.phoneNumber}` : contact.jid)
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'contact-summary'
    button.setAttribute('aria-expanded', 'false')
    button.append(
      picture(null, title),
      textElement('span', title, 'contact-name'),
      textElement('span', [contact.pushName && contact.pushName !== title ? `~${contact.pushName}` : '', contact.phoneNumber ? `+${contact.phoneNumber}` : ''].filter(Boolean).join(' · '), 'muted'),
    )
    const details = document.createElement('div')
    details.className = 'contact-details'
    details.hidden = true
    button.addEventListener('click', () => {
      const open = details.hidden
      details.hidden = !open
      button.setAttribute('aria-expanded', String(open))
      if (open) void this.#loadDetails(contact.phoneNumber ?? contact.jid, title, button, details)
    })
    item.append(button, details)
    return item
  }

  async #loadDetails(contact, title, button, details) {
    details.replaceChildren(textElement('p', 'Asking WhatsApp…', 'muted'))
    try {
      const found = await api.getContact(this.deviceId, contact)
      button.firstElementChild.replaceWith(picture(found.pictureUrl, title))
      const facts = [
        found.exists ? null : 'Not on WhatsApp',
        found.about ? `About: ${found.about}` : 'No "about" shown',
        found.isBusiness ? 'Business account' : null,
        found.lid ? `LID ${found.lid}` : null,
      ].filter(Boolean)
      const block = textElement('button', found.blocked ? 'Unblock' : 'Block', `btn btn-small ${found.blocked ? '' : 'btn-warn'}`)
      block.type = 'button'
      block.addEventListener('click', () => void this.#toggleBlock(contact, title, !found.blocked, button, details))
      details.replaceChildren(...facts.map((fact) => textElement('p', fact)), block)
    } catch (error) {
      details.replaceChildren(textElement('p', `Could not ask WhatsApp: ${error.message}`, 'form-error'))
    }
  }

  async #toggleBlock(contact, title, blocked, button, details) {
    try {
      await api.setBlocked(this.deviceId, contact, blocked)
      toast(`${title} ${blocked ? 'blocked' : 'unblocked'}.`)
      await this.#loadDetails(contact, title, button, details)
    } catch (error) {
      toast(`Could not ${blocked ? 'block' : 'unblock'} ${title}: ${error.message}`, 'error')
    }
  }

  #wire() {
    field(this.root, 'contactSearch').addEventListener('input', debounce(() => this.#renderContacts(), 150))
    formOf(this.root, 'profile').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#saveProfile()
    })
    formOf(this.root, 'privacy').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#savePrivacy()
    })
    this.root.querySelector('[data-action="remove-picture"]').addEventListener('click', () => void this.#removePicture())
  }

  async #saveProfile() {
    const form = formOf(this.root, 'profile')
    const error = field(this.root, 'profileError')
    setText(error, '')
    const name = form.elements.namedItem('name').value.trim()
    const file = form.elements.namedItem('picture').files?.[0]
    if (!name) {
      setText(error, 'Enter a name.')
      return form.elements.namedItem('name').focus()
    }
    try {
      const change = { name, about: form.elements.namedItem('about').value }
      if (file) change.picture = { base64: await readBase64(file) }
      this.#showProfile(await api.updateProfile(this.deviceId, change))
      form.elements.namedItem('picture').value = ''
      this.onProfileSaved()
      toast('Profile saved.')
    } catch (failure) {
      setText(error, failure.message)
    }
  }

  async #removePicture() {
    try {
      await api.removeProfilePicture(this.deviceId)
      this.#showProfile(await api.getProfile(this.deviceId))
      toast('Profile picture removed.')
    } catch (failure) {
      setText(field(this.root, 'profileError'), failure.message)
    }
  }

  async #savePrivacy() {
    const form = formOf(this.root, 'privacy')
    const changed = PRIVACY.map(([setting]) => [setting, form.elements.namedItem(setting).value]).filter(([setting, value]) => this.#privacy[setting] !== value)
    setText(field(this.root, 'privacyError'), '')
    if (changed.length === 0) return toast('Nothing changed.')
    try {
      this.#privacy = await api.setPrivacy(this.deviceId, Object.fromEntries(changed))
      toast('Privacy settings saved.')
    } catch (failure) {
      setText(field(this.root, 'privacyError'), failure.message)
    }
  }
}
