import { DEVICE_ID } from './format.js'

/**
 * The "New session" dialog: validates the ID as the server does, creates the session and reports it.
 * @param {HTMLElement} opener
 * @param {(deviceId: string) => Promise<object>} create creates the session and answers it
 * @param {(session: object) => void} onCreated
 */
export function setupCreateDialog(opener, create, onCreated) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('create-dialog'))
  const form = /** @type {HTMLFormElement} */ (document.getElementById('create-form'))
  const input = /** @type {HTMLInputElement} */ (document.getElementById('create-device-id'))
  const error = document.getElementById('create-error')

  opener.addEventListener('click', () => {
    form.reset()
    error.textContent = ''
    input.removeAttribute('aria-invalid')
    dialog.showModal()
  })
  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close())
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const deviceId = input.value.trim()
    if (!DEVICE_ID.test(deviceId)) {
      input.setAttribute('aria-invalid', 'true')
      error.textContent = deviceId === ''
        ? 'Enter a device ID.'
        : 'A device ID may only contain letters, digits, “-” and “_” (up to 64).'
      return input.focus()
    }
    input.removeAttribute('aria-invalid')
    const submit = form.querySelector('button[type="submit"]')
    submit.disabled = true
    error.textContent = ''
    try {
      const session = await create(deviceId)
      dialog.close()
      onCreated(session)
    } catch (failure) {
      input.setAttribute('aria-invalid', 'true')
      error.textContent = failure.message
      input.focus()
    } finally {
      submit.disabled = false
    }
  })
}
