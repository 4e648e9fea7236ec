import { conflict, type DomainError } from '../errors.js'

/** What the caller hears while the phone has not shared the app-state key (right after linking). */
export const missingAppStateKey = (what: string): DomainError =>
  conflict(`WhatsApp has not given this session the key for ${what} yet (the phone sends it after linking); try again shortly`)

/**
 * An app-state write (chat settings, the profile name) needs the key the phone shares right after
 * linking; before it arrives Baileys refuses, which the caller hears as a 409 saying so.
 */
export async function appStateWrite<T>(what: string, write: Promise<T>): Promise<T> {
  try {
    return await write
  } catch (error) {
    if (/app state key/i.test((error as Error).message)) {
      throw missingAppStateKey(what)
    }
    throw error
  }
}
