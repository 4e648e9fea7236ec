/**
 * A session's chats: the conversation list and one conversation with both directions, live over
 * the event stream, a reply box with attachments. Opening a chat marks it read (read receipts go
 * to the senders). On a phone-sized screen the list and the conversation take turns.
 */
import * as api from './api.js'
import { chatItem, chatTitle, messageItem, tick } from './chat-render.js'
import { debounce, field, focusHeading, mountSessionView, setText } from './dom.js'

export class ChatView {
  #unsubscribe = []
  #chats = []
  /** @type {string | null} */
  #open = null
  #oldest = null
  #loading = 0

  /**
   * @param {HTMLElement} container
   * @param {import('./event-log.js').EventLog} eventLog
   * @param {string} deviceId
   */
  constructor(container, eventLog, deviceId) {
    this.deviceId = deviceId
    this.root = mountSessionView(container, 'tpl-chat-view', deviceId, 'Chats')
    field(this.root, 'listLink').setAttribute('href', `#/sessions/${encodeURIComponent(deviceId)}/chats`)
    this.refreshList = debounce(() => void this.#loadList(), 250)
    this.#wire()
    this.#unsubscribe.push(eventLog.subscribe((event) => event.deviceId === deviceId && this.#onEvent(event)))
    void this.#loadList()
  }

  /** Shows this chat (null: the list alone, on small screens). */
  show(jid) {
    if (jid === this.#open) return
    this.#open = jid
    this.root.dataset.open = String(jid !== null)
    this.#renderList()
    field(this.root, 'messages').replaceChildren()
    field(this.root, 'placeholder').hidden = jid !== null
    this.root.querySelector('[data-form="reply"]').hidden = jid === null
    if (jid === null) return setText(field(this.root, 'conversationTitle'), '')
    void this.#loadConversation(jid)
  }

  focus() {
    focusHeading(field(this.root, 'title'))
  }

  destroy() {
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    this.root.remove()
  }

  async #loadList() {
    try {
      this.#chats = await api.listChats(this.deviceId)
      setText(field(this.root, 'listError'), '')
    } catch (error) {
      setText(field(this.root, 'listError'), `Could not load the chats: ${error.message}`)
    }
    this.#renderList()
  }

  #renderList() {
    const list = field(this.root, 'chats')
    list.replaceChildren(...this.#chats.map((chat) => chatItem(chat, chat.jid === this.#open)))
    field(this.root, 'chatsEmpty').hidden = this.#chats.length > 0
    const open = this.#chats.find((chat) => chat.jid === this.#open)
    if (open) setText(field(this.root, 'conversationTitle'), chatTitle(open))
  }

  async #loadConversation(jid) {
    const attempt = ++this.#loading
    const known = this.#chats.find((chat) => chat.jid === jid)
    setText(field(this.root, 'conversationTitle'), known ? chatTitle(known) : `+${jid.split('@')[0]}`)
    try {
      const messages = await api.chatMessages(this.deviceId, jid)
      if (attempt !== this.#loading) return
      this.#oldest = messages.at(-1)?.timestamp ?? null
      this.#button('older').hidden = messages.length < 50
      field(this.root, 'messages').replaceChildren(...messages.reverse().map((message) => messageItem(this.deviceId, message, jid.endsWith('@g.us'))))
      this.#scrollToEnd()
      if (known?.unread || known?.markedUnread || messages.some((message) => !message.fromMe && message.readAt === null)) await this.#markRead(jid)
    } catch (error) {
      setText(field(this.root, 'replyError'), `Could not load the messages: ${error.message}`)
    }
  }

  async #loadOlder() {
    const jid = this.#open
    if (!jid || !this.#oldest) return
    let older
    try {
      older = await api.chatMessages(this.deviceId, jid, this.#oldest)
    } catch (error) {
      return setText(field(this.root, 'replyError'), `Could not load older messages: ${error.message}`)
    }
    if (jid !== this.#open) return
    this.#oldest = older.at(-1)?.timestamp ?? this.#oldest
    this.#button('older').hidden = older.length < 50
    field(this.root, 'messages').prepend(...older.reverse().map((message) => messageItem(this.deviceId, message, jid.endsWith('@g.us'))))
  }

  async #markRead(jid) {
    try {
      await api.markChatRead(this.deviceId, jid)
      this.refreshList()
    } catch (error) {
      setText(field(this.root, 'replyError'), `Could not mark the chat read: ${error.message}`)
    }
  }

  #onEvent(event) {
    const data = event.data ?? {}
    switch (event.type) {
      case 'message.received':
      case 'message.sent':
        this.refreshList()
        if (data.chat !== this.#open) return
        this.#append({ ...data, sentBy: event.type === 'message.sent' ? 'device' : null, status: event.type === 'message.sent' ? 'sent' : null, readAt: null })
        if (event.type === 'message.received' && document.visibilityState === 'visible') void this.#markRead(data.chat)
        return
      case 'message.status': {
        const bubble = this.#bubble(data.messageId)
        bubble?.querySelector('.tick')?.replaceWith(tick(data.status))
        return
      }
      case 'chat.updated':
        this.refreshList()
        if (data.chat === this.#open && (data.deleted || data.message?.deletedForMe)) void this.#loadConversation(data.chat)
    }
  }

  #append(message) {
    if (this.#bubble(message.id)) return
    field(this.root, 'messages').append(messageItem(this.deviceId, message, message.isGroup))
    this.#scrollToEnd()
  }

  #bubble(messageId) {
    return [...field(this.root, 'messages').children].find((item) => item.dataset.id === messageId)
  }

  #scrollToEnd() {
    const messages = field(this.root, 'messages')
    messages.scrollTop = messages.scrollHeight
  }

  #button(action) {
    return /** @type {HTMLButtonElement} */ (this.root.querySelector(`[data-action="${action}"]`))
  }

  #wire() {
    field(this.root, 'chats').addEventListener('click', (event) => {
      const item = event.target.closest('.chat-item')
      if (item) location.hash = `#/sessions/${encodeURIComponent(this.deviceId)}/chats/${encodeURIComponent(item.dataset.jid)}`
    })
    this.#button('older').addEventListener('click', () => void this.#loadOlder())
    const form = /** @type {HTMLFormElement} */ (this.root.querySelector('[data-form="reply"]'))
    const file = /** @type {HTMLInputElement} */ (form.elements.namedItem('file'))
    file.addEventListener('change', () => setText(field(this.root, 'attachment'), file.files?.[0] ? `Attached: ${file.files[0].name}` : ''))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      void this.#reply(form, file)
    })
    form.elements.namedItem('text').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault()
        form.requestSubmit()
      }
    })
  }

  async #reply(form, fileInput) {
    const jid = this.#open
    const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('text'))
    const file = fileInput.files?.[0]
    const error = field(this.root, 'replyError')
    setText(error, '')
    if (!jid) return
    if (!file && text.value.trim() === '') {
      setText(error, 'Type a message or attach a file.')
      return text.focus()
    }
    const submit = form.querySelector('button[type="submit"]')
    submit.disabled = true
    try {
      if (file) await api.sendFile(this.deviceId, jid, file, text.value.trim())
      else await api.sendText(this.deviceId, jid, text.value)
      text.value = ''
      fileInput.value = ''
      setText(field(this.root, 'attachment'), '')
      await this.#loadConversation(jid)
      this.refreshList()
    } catch (failure) {
      setText(error, failure.message)
    } finally {
      submit.disabled = false
      text.focus()
    }
  }
}
