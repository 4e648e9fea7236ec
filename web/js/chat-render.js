/**
 * How chats and messages look: list items, message bubbles, ticks and media. Every value from a
 * chat (names, texts, file names) goes in as text, never as HTML.
 */
import { mediaUrl } from './api.js'
import { textElement } from './dom.js'

/** Status ticks as WhatsApp draws them, with words for screen readers. */
const TICKS = {
  queued: ['🕓', 'Queued'],
  sending: ['🕓', 'Sending'],
  sent: ['✓', 'Sent'],
  delivered: ['✓✓', 'Delivered'],
  read: ['✓✓', 'Read'],
  played: ['✓✓', 'Played'],
  failed: ['!', 'Not sent'],
}

const PLACEHOLDERS = {
  image: 'Photo', video: 'Video', audio: 'Audio', document: 'Document', sticker: 'Sticker', location: 'Location',
  contacts: 'Contact card', reaction: 'Reaction', poll: 'Poll', edit: 'Edited a message', revoke: 'Deleted a message', unknown: 'Message',
}

/** One line describing a message, for the chat list. */
export function preview(message) {
  if (!message) return ''
  if (message.type === 'reaction') return `Reacted ${message.target?.emoji ?? ''}`
  const text = message.text ?? message.media?.fileName ?? message.location?.name ?? message.poll?.name ?? ''
  const label = message.type === 'text' ? '' : `${PLACEHOLDERS[message.type] ?? 'Message'}${text ? ': ' : ''}`
  return `${message.fromMe ? 'You: ' : ''}${label}${text}`
}

export function chatTitle(chat) {
  return chat.name || `+${chat.jid.split('@')[0]}`
}

/** Two letters for the avatar: initials of the name, else the last digits of the number. */
function initials(chat) {
  const words = (chat.name ?? '').split(/\s+/).filter((word) => /\p{L}/u.test(word[0] ?? ''))
  return words.length ? words.slice(0, 2).map((word) => word[0].toUpperCase()).join('') : chat.jid.split('@')[0].slice(-2)
}

export function timeOf(iso) {
  const date = new Date(iso)
  const today = new Date().toDateString() === date.toDateString()
  return today ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })
}

/** A chat of the list: avatar, name, last message and time, unread badge, pinned/muted/archived marks. */
export function chatItem(chat, selected) {
  const item = document.createElement('li')
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'chat-item'
  button.dataset.jid = chat.jid
  if (selected) button.setAttribute('aria-current', 'true')
  const avatar = textElement('span', initials(chat), 'avatar')
  avatar.setAttribute('aria-hidden', 'true')
  const body = document.createElement('span')
  body.className = 'chat-body'
  const top = document.createElement('span')
  top.className = 'chat-top'
  top.append(textElement('span', chatTitle(chat), 'chat-name'), textElement('time', timeOf(chat.lastMessageAt), 'chat-time'))
  const bottom = document.createElement('span')
  bottom.className = 'chat-bottom'
  bottom.append(textElement('span', preview(chat.lastMessage), 'chat-preview'))
  const marks = [chat.pinned && 'Pinned', chat.mutedUntil && 'Muted', chat.archived && 'Archived'].filter(Boolean)
  for (const mark of marks) bottom.append(textElement('span', mark, 'chat-mark'))
  const unread = chat.unread || (chat.markedUnread ? 1 : 0)
  if (unread) {
    const badge = textElement('span', chat.unread ? String(chat.unread) : '', 'unread-badge')
    badge.setAttribute('aria-label', chat.unread ? `${chat.unread} unread` : 'Marked unread')
    bottom.append(badge)
  }
  body.append(top, bottom)
  button.append(avatar, body)
  item.append(button)
  return item
}

/** The tick element of a message this account sent. */
export function tick(status) {
  const [symbol, label] = TICKS[status] ?? ['', status ?? '']
  const element = textElement('span', symbol, 'tick')
  element.dataset.status = status ?? ''
  element.setAttribute('aria-label', label)
  element.title = label
  return element
}

function mediaPart(deviceId, message) {
  const media = message.media
  // What the API sent keeps no bytes once sent; received and phone-typed media download from WhatsApp.
  if (!media || message.sentBy === 'api') return null
  const url = mediaUrl(deviceId, message.id)
  if (message.type === 'image' || message.type === 'sticker') {
    const image = document.createElement('img')
    image.className = 'media-preview'
    image.src = url
    image.alt = message.text ? `Photo: ${message.text}` : 'Photo'
    image.loading = 'lazy'
    return image
  }
  const link = textElement('a', `Download ${media.fileName ?? PLACEHOLDERS[message.type] ?? 'file'}`, 'media-download')
  link.href = url
  link.download = media.fileName ?? ''
  return link
}

/** One message bubble: who, what (text, media preview or download), when, and ticks for what the account sent. */
export function messageItem(deviceId, message, isGroup) {
  const item = document.createElement('li')
  item.className = `bubble ${message.fromMe ? 'out' : 'in'}`
  item.dataset.id = message.id
  if (isGroup && !message.fromMe) {
    item.append(textElement('span', message.sender?.pushName || message.sender?.phoneNumber || message.sender?.jid || '', 'bubble-author'))
  }
  const media = mediaPart(deviceId, message)
  if (media) item.append(media)
  const text = message.type === 'text' || media ? message.text : preview({ ...message, fromMe: false })
  if (text) item.append(textElement('p', text, 'bubble-text'))
  const meta = document.createElement('span')
  meta.className = 'bubble-meta'
  if (message.starred) meta.append(textElement('span', '★', 'star'))
  const time = textElement('time', timeOf(message.timestamp), '')
  time.dateTime = message.timestamp
  meta.append(time)
  if (message.fromMe) meta.append(tick(message.status))
  item.append(meta)
  return item
}
