import * as api from './api.js'

/** The sign-in form: sends the admin key once; the server answers with an HttpOnly session cookie. */
export function setupLogin(onSignedIn) {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('login-form'))
  const input = /** @type {HTMLInputElement} */ (document.getElementById('admin-key'))
  const error = document.getElementById('login-error')
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    error.textContent = ''
    if (input.value === '') {
      input.setAttribute('aria-invalid', 'true')
      error.textContent = 'Enter the admin key.'
      return input.focus()
    }
    const submit = form.querySelector('button[type="submit"]')
    submit.disabled = true
    try {
      await api.login(input.value)
      input.value = ''
      input.removeAttribute('aria-invalid')
      await onSignedIn()
    } catch (failure) {
      input.setAttribute('aria-invalid', 'true')
      error.textContent = failure.message
      input.select()
    } finally {
      submit.disabled = false
    }
  })
}

/** Shows the sign-in form, with a reason when the user was signed out without asking. */
export function showLogin(reason = '') {
  document.getElementById('login-error').textContent = reason
  document.getElementById('login-view').hidden = false
  document.getElementById('admin-key').focus()
}
