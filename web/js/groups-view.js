/**
 * A session's groups: the list (create one, join by link), and the group picked (#/sessions/ID/groups/JID)
 * with its settings, members (add, promote, demote, remove, each with WhatsApp's answer per person),
 * invite link, and leaving.
 */
import * as api from './api.js'
import { confirmAction } from './confirm.js'
import { field, focusHeading, formOf, mountSessionView, setText, textElement } from './dom.js'
import { toast } from './notify.js'

const EPHEMERAL = [[0, 'Off'], [86400, '24 hours'], [604800, '7 days'], [7776000, '90 days']]
const ADMIN_LABELS = { superadmin: 'Owner', admin: 'Admin' }

/** Numbers typed one per line or separated by commas. */
const numbersIn = (text) => text.split(/[\n,;]+/).map((part) => part.trim()).filter(Boolean)
const personLabel = (member) => (member.phoneNumber ? `+${member.phoneNumber}` : member.jid)

export class GroupsView {
  #groups = []
  /** The group shown, as last read. */
  #group = null

  /** @param {HTMLElement} container @param {string} deviceId */
  constructor(container, deviceId) {
    this.deviceId = deviceId
    this.root = mountSessionView(container, 'tpl-groups-view', deviceId, 'Groups')
    const ephemeral = formOf(this.root, 'settings').elements.namedItem('ephemeralSeconds')
    for (const [seconds, label] of EPHEMERAL) {
      const option = textElement('option', label)
      option.value = String(seconds)
      ephemeral.append(option)
    }
    this.#wire()
    void this.#loadList()
  }

  focus() {
    focusHeading(field(this.root, 'title'))
  }

  destroy() {
    this.root.remove()
  }

  /** Shows one group (a JID from the URL), or none. */
  show(jid) {
    this.jid = jid
    this.#markSelected()
    // Nothing of the group shown before stays on screen (or in reach of its buttons) while this one loads.
    this.#group = null
    field(this.root, 'group').hidden = true
    if (jid) void this.#loadGroup(jid)
  }

  #link(jid) {
    return `#/sessions/${encodeURIComponent(this.deviceId)}/groups/${encodeURIComponent(jid)}`
  }

  async #loadList() {
    try {
      this.#groups = await api.listGroups(this.deviceId)
      setText(field(this.root, 'listError'), '')
    } catch (error) {
      setText(field(this.root, 'listError'), `Could not load the groups: ${error.message}`)
    }
    const items = this.#groups
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((group) => {
        const item = document.createElement('li')
        const link = document.createElement('a')
        link.className = 'group-link'
        link.href = this.#link(group.jid)
        link.dataset.jid = group.jid
        link.append(textElement('span', group.name || group.jid, 'contact-name'), textElement('span', `${group.size} members`, 'muted'))
        item.append(link)
        return item
      })
    field(this.root, 'groups').replaceChildren(...items)
    setText(field(this.root, 'groupsEmpty'), this.#groups.length ? '' : 'Not in any group yet.')
    this.#markSelected()
  }

  #markSelected() {
    for (const link of this.root.querySelectorAll('.group-link')) {
      if (link.dataset.jid === this.jid) link.setAttribute('aria-current', 'page')
      else link.removeAttribute('aria-current')
    }
  }

  /** Shows the group once read; a group that cannot be read stays hidden, with why above the list. */
  async #loadGroup(jid) {
    const error = field(this.root, 'listError')
    try {
      const group = await api.getGroup(this.deviceId, jid)
      if (this.jid !== jid) return
      this.#group = group
      setText(error, '')
      this.#render(group)
      field(this.root, 'group').hidden = false
    } catch (failure) {
      if (this.jid === jid) setText(error, `Could not load the group: ${failure.message}`)
    }
  }

  #render(group) {
    field(this.root, 'groupTitle').textContent = group.subject || group.jid
    field(this.root, 'groupFacts').textContent = [group.jid, `${group.size} members`, group.createdAt && `created ${new Date(group.createdAt).toLocaleDateString()}`].filter(Boolean).join(' · ')
    const form = formOf(this.root, 'settings')
    form.elements.namedItem('subject').value = group.subject
    form.elements.namedItem('description').value = group.description ?? ''
    form.elements.namedItem('announceOnly').checked = group.announceOnly
    form.elements.namedItem('locked').checked = group.locked
    form.elements.namedItem('joinApproval').checked = group.joinApproval
    form.elements.namedItem('ephemeralSeconds').value = String(group.ephemeralSeconds)
    field(this.root, 'members').replaceChildren(...group.participants.map((member) => this.#memberItem(member)))
    setText(field(this.root, 'invite'), '')
    field(this.root, 'revoke').hidden = true
  }

  #memberItem(member) {
    const item = document.createElement('li')
    item.className = 'member'
    item.append(textElement('span', personLabel(member), 'contact-name'))
    if (member.admin) item.append(textElement('span', ADMIN_LABELS[member.admin] ?? member.admin, 'member-rank'))
    if (member.admin !== 'superadmin') {
      const actions = document.createElement('span')
      actions.className = 'member-actions'
      const rank = member.admin ? ['demote', 'Demote'] : ['promote', 'Make admin']
      for (const [action, label, style] of [[...rank, ''], ['remove', 'Remove', 'btn-warn']]) {
        const button = textElement('button', label, `btn btn-small ${style}`.trim())
        button.type = 'button'
        button.setAttribute('aria-label', `${label}: ${personLabel(member)}`)
        button.addEventListener('click', () => void this.#changeMembers(action, [member.phoneNumber ?? member.jid]))
        actions.append(button)
      }
      item.append(actions)
    }
    return item
  }

  /** Applies a member change and shows WhatsApp's answer for each person. */
  async #changeMembers(action, participants) {
    const results = field(this.root, 'memberResults')
    const jid = this.#group?.jid
    if (!jid) return
    try {
      const answers = await api.changeParticipants(this.deviceId, jid, action, participants)
      results.replaceChildren(...answers.map((answer) => textElement('li', `${answer.participant}: ${answer.message}`, answer.status === 'ok' || answer.status === 'invite_sent' ? 'form-ok' : 'form-error')))
      await this.#loadGroup(jid)
    } catch (failure) {
      results.replaceChildren(textElement('li', failure.message, 'form-error'))
    }
  }

  #wire() {
    formOf(this.root, 'create').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#create()
    })
    formOf(this.root, 'join').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#join()
    })
    formOf(this.root, 'settings').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#saveSettings()
    })
    formOf(this.root, 'add').addEventListener('submit', (event) => {
      event.preventDefault()
      const input = formOf(this.root, 'add').elements.namedItem('numbers')
      const numbers = numbersIn(input.value)
      if (numbers.length === 0) return setText(field(this.root, 'settingsError'), 'Enter at least one number to add.')
      void this.#changeMembers('add', numbers).then(() => (input.value = ''))
    })
    field(this.root, 'showInvite').addEventListener('click', () => void this.#invite(false))
    field(this.root, 'revoke').addEventListener('click', () => void this.#invite(true))
    field(this.root, 'leave').addEventListener('click', () => void this.#leave())
  }

  async #create() {
    const form = formOf(this.root, 'create')
    const error = field(this.root, 'createError')
    const subject = form.elements.namedItem('subject').value.trim()
    const participants = numbersIn(form.elements.namedItem('participants').value)
    if (!subject || participants.length === 0) return setText(error, 'Enter a name and at least one member\u2019s number.')
    try {
      const { group, participants: results } = await api.createGroup(this.deviceId, { subject, participants })
      setText(error, results.some((r) => r.status !== 'ok') ? results.filter((r) => r.status !== 'ok').map((r) => `${r.participant}: ${r.message}`).join('; ') : '')
      form.reset()
      toast(`Group \u201c${group.subject}\u201d created.`)
      await this.#loadList()
      location.hash = this.#link(group.jid)
    } catch (failure) {
      setText(error, failure.message)
    }
  }

  async #join() {
    const form = formOf(this.root, 'join')
    const error = field(this.root, 'joinError')
    const link = form.elements.namedItem('link').value.trim()
    if (!link) return setText(error, 'Paste an invite link or code.')
    try {
      const { jid, pendingApproval } = await api.joinGroup(this.deviceId, link)
      setText(error, '')
      form.reset()
      toast(pendingApproval ? 'Asked to join: an admin must approve.' : 'Joined the group.')
      await this.#loadList()
      if (!pendingApproval) location.hash = this.#link(jid)
    } catch (failure) {
      setText(error, failure.message)
    }
  }

  /** Sends only what changed. */
  async #saveSettings() {
    const form = formOf(this.root, 'settings')
    const error = field(this.root, 'settingsError')
    const current = this.#group
    if (!current) return
    const wanted = {
      subject: form.elements.namedItem('subject').value.trim(),
      description: form.elements.namedItem('description').value,
      announceOnly: form.elements.namedItem('announceOnly').checked,
      locked: form.elements.namedItem('locked').checked,
      joinApproval: form.elements.namedItem('joinApproval').checked,
      ephemeralSeconds: Number(form.elements.namedItem('ephemeralSeconds').value),
    }
    const change = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => (current[key] ?? '') !== value))
    if (Object.keys(change).length === 0) return toast('Nothing changed.')
    if (change.subject === '') return setText(error, 'The group needs a name.')
    try {
      await api.updateGroup(this.deviceId, current.jid, change)
      setText(error, '')
      toast('Group settings saved.')
      await Promise.all([this.#loadGroup(current.jid), this.#loadList()])
    } catch (failure) {
      setText(error, failure.message)
    }
  }

  async #invite(revoke) {
    const jid = this.#group?.jid
    if (!jid) return
    if (revoke && !(await confirmAction({ title: 'Revoke the invite link?', message: 'The current link stops working; a new one replaces it.', confirmLabel: 'Revoke link' }))) return
    try {
      const { link } = revoke ? await api.revokeGroupInvite(this.deviceId, jid) : await api.groupInvite(this.deviceId, jid)
      setText(field(this.root, 'invite'), link)
      field(this.root, 'revoke').hidden = false
      if (revoke) toast('Invite link revoked; the new one is shown.')
    } catch (failure) {
      setText(field(this.root, 'invite'), '')
      setText(field(this.root, 'settingsError'), failure.message)
    }
  }

  async #leave() {
    const group = this.#group
    if (!group) return
    const name = group.subject || group.jid
    if (!(await confirmAction({ title: `Leave \u201c${name}\u201d?`, message: 'The account stops receiving its messages; an admin must add it back.', confirmLabel: 'Leave group' }))) return
    try {
      await api.leaveGroup(this.deviceId, group.jid)
      toast(`Left \u201c${name}\u201d.`)
      location.hash = `#/sessions/${encodeURIComponent(this.deviceId)}/groups`
      await this.#loadList()
    } catch (failure) {
      setText(field(this.root, 'settingsError'), failure.message)
    }
  }
}
