/** User feedback: short-lived toasts for outcomes, a persistent banner while the server is unreachable. */

const TOAST_MS = 5000
/** More than this at once would cover the page; the oldest make way. */
const MAX_TOASTS = 3

/** @param {string} message @param {'ok'|'error'} kind */
export function toast(message, kind = 'ok') {
  const container = document.getElementById('toasts')
  const item = document.createElement('div')
  item.className = `toast toast-${kind}`
  item.textContent = message
  // Errors interrupt screen readers; confirmations wait their turn (the container is polite).
  if (kind === 'error') item.setAttribute('role', 'alert')
  container.append(item)
  while (container.childElementCount > MAX_TOASTS) container.firstElementChild.remove()
  setTimeout(() => item.remove(), kind === 'error' ? TOAST_MS * 2 : TOAST_MS)
}

export function showBanner(message) {
  const banner = document.getElementById('banner')
  banner.textContent = message
  banner.hidden = false
}

export function hideBanner() {
  document.getElementById('banner').hidden = true
}
