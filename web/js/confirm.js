/** A modal confirmation for destructive actions, on the native <dialog> (focus trapping and Escape for free). */

/**
 * @param {{ title: string, message: string, confirmLabel: string }} text
 * @returns {Promise<boolean>}
 */
export function confirmAction({ title, message, confirmLabel }) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm-dialog'))
  document.getElementById('confirm-title').textContent = title
  document.getElementById('confirm-message').textContent = message
  document.getElementById('confirm-ok').textContent = confirmLabel
  dialog.returnValue = ''
  dialog.showModal()
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true })
  })
}
