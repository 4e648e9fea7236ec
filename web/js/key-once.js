import { copyText } from './clipboard.js'

/** A key just made, shown once in a box with its copy and hide buttons; hiding clears it from the page. */
export class KeyOnce {
  /**
   * @param {HTMLElement} box holds the read-only input and the [data-action^="copy"] and [data-action^="hide"] buttons
   * @param {() => void} onHidden where focus goes once the key is hidden
   */
  constructor(box, onHidden) {
    this.box = box
    this.input = /** @type {HTMLInputElement} */ (box.querySelector('input'))
    box.querySelector('[data-action^="copy"]').addEventListener('click', () => copyText(this.input.value, 'API key'))
    box.querySelector('[data-action^="hide"]').addEventListener('click', () => {
      this.input.value = ''
      box.hidden = true
      onHidden()
    })
  }

  show(key) {
    this.input.value = key
    this.box.hidden = false
    this.input.focus()
    this.input.select()
  }
}
