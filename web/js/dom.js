/**
 * Small DOM helpers. Untrusted values (device IDs, names, messages, server errors) only ever reach
 * the page through textContent or attributes, never as HTML.
 */

/** A fresh copy of a <template>'s first element. */
export function fromTemplate(id) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById(id))
  return /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true))
}

/** The element marked data-field="name" inside root. */
export function field(root, name) {
  return /** @type {HTMLElement} */ (root.querySelector(`[data-field="${name}"]`))
}

/** The form marked data-form="name" inside root. */
export function formOf(root, name) {
  return /** @type {HTMLFormElement} */ (root.querySelector(`[data-form="${name}"]`))
}

/**
 * A session's sub-view (chats, people, groups) from its template, appended to container: its back
 * link points at the session and its title reads "<label> · <deviceId>".
 */
export function mountSessionView(container, templateId, deviceId, label) {
  const root = fromTemplate(templateId)
  container.append(root)
  field(root, 'back').setAttribute('href', `#/sessions/${encodeURIComponent(deviceId)}`)
  field(root, 'title').textContent = `${label} · ${deviceId}`
  return root
}

/** Moves keyboard focus to a view's heading (which is not focusable by itself). */
export function focusHeading(heading) {
  heading.tabIndex = -1
  heading.focus()
}

/** Sets an element's text and hides it when the text is empty. */
export function setText(element, text) {
  element.textContent = text ?? ''
  element.hidden = !text
}

/** Creates an element with text content only. */
export function textElement(tag, text, className) {
  const element = document.createElement(tag)
  element.textContent = text
  if (className) element.className = className
  return element
}

/** Runs fn at most once per `ms` of quiet, with the last arguments. */
export function debounce(fn, ms) {
  let timer
  return (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
}
