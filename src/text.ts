import { invalidInput } from './errors.js'

/**
 * Text a caller names something with, trimmed: 1 to `max` characters and no control characters
 * (PostgreSQL cannot store NUL; names are shown on phones). Multi-line text may hold line breaks and tabs.
 */
export function checkedText(input: string, field: string, max: number, { multiline = false } = {}): string {
  const trimmed = input.trim()
  if (trimmed.length === 0 || trimmed.length > max) throw invalidInput(`${field} must be 1 to ${max} characters`)
  if ((multiline ? /[^\P{Cc}\t\n\r]/u : /\p{Cc}/u).test(trimmed)) throw invalidInput(`${field} may not contain control characters`)
  return trimmed
}
