import { toast } from './notify.js'

/**
 * Copies text and confirms it. The async Clipboard API only exists on secure origins (https or
 * localhost); a dashboard reached over plain http on a LAN falls back to selecting a hidden field.
 */
export async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text)
  } catch {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.className = 'offscreen'
    document.body.append(area)
    area.select()
    const copied = document.execCommand('copy')
    area.remove()
    if (!copied) return toast(`Could not copy the ${what}; select it and copy by hand.`, 'error')
  }
  toast(`${what[0].toUpperCase()}${what.slice(1)} copied to the clipboard.`)
}
