import { createHash } from 'node:crypto'
import type { HistoryChat } from './history-sync.js'
import { PreKeyPool } from './prekey-pool.js'

export const PN_SERVER = 's.whatsapp.net'
export const LID_SERVER = 'lid'

/** What a linked client published about itself: enough to build a Signal session to it. */
export interface DeviceKeys {
  registrationId: number
  identityKey: Buffer
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer }
  preKeys: PreKeyPool
}

/** A companion device (a Baileys client) linked to an account. */
export interface LinkedDevice {
  device: number
  noiseKey: Buffer
  /** unknown until the client uploads them when the sim accepted a device it had never seen */
  keys?: DeviceKeys
  removed: boolean
  /** the device confirmed the phone's history sync (hist_sync receipt); until then each login gets it */
  historySynced: boolean
  /** it asked for the whole history when it linked (DeviceProps.requireFullSync), not only recent months */
  fullHistory: boolean
  /** what the phone lists under Linked devices (DeviceProps.os), when it linked through the sim */
  name: string | null
}

/** A WhatsApp user: every phone number the sim has heard of, paired or only a contact. */
export interface Account {
  phoneNumber: string
  /** LID user part, stable per phone number */
  lid: string
  /** the profile name the account's phone sends along with its own messages (notify) */
  pushName: string
  devices: Map<number, LinkedDevice>
  nextDevice: number
  /** the chats on the account's phone, which it shares with devices it links (history sync) */
  history: HistoryChat[]
}

// Real companion ids are small integers; starting at 7 mirrors what WhatsApp hands out today.
const FIRST_COMPANION_DEVICE = 7

export function isPhoneNumber(value: string): boolean {
  return /^\d{5,20}$/.test(value)
}

/** Derives a 15-digit LID from the phone number so restarts keep the same mapping. */
function lidForPhone(phoneNumber: string): string {
  const digest = createHash('sha256').update(`lid:${phoneNumber}`).digest()
  return (BigInt('0x' + digest.subarray(0, 8).toString('hex')) % 10n ** 14n + 10n ** 14n).toString()
}

export class Accounts {
  /** phone numbers that are not WhatsApp users, unless paired (everyone else is) */
  readonly notOnWhatsApp = new Set<string>()
  private readonly byPhone = new Map<string, Account>()
  private readonly phoneByLid = new Map<string, string>()

  get(phoneNumber: string): Account {
    let account = this.byPhone.get(phoneNumber)
    if (!account) {
      if (!isPhoneNumber(phoneNumber)) throw new Error(`not a phone number: ${phoneNumber}`)
      account = { phoneNumber, lid: lidForPhone(phoneNumber), pushName: `User ${phoneNumber.slice(-4)}`, devices: new Map(), nextDevice: FIRST_COMPANION_DEVICE, history: [] }
      this.byPhone.set(phoneNumber, account)
      this.phoneByLid.set(account.lid, phoneNumber)
    }
    return account
  }

  find(phoneNumber: string): Account | undefined {
    return this.byPhone.get(phoneNumber)
  }

  /** Resolves a user part of either form (phone number or LID) to its account. */
  byUser(user: string, server: string): Account | undefined {
    if (server === LID_SERVER) {
      const phone = this.phoneByLid.get(user)
      return phone ? this.byPhone.get(phone) : undefined
    }
    return isPhoneNumber(user) ? this.get(user) : undefined
  }

  linkDevice(
    account: Account, noiseKey: Buffer, keys: DeviceKeys | undefined, device = account.nextDevice, fullHistory = false, name: string | null = null
  ): LinkedDevice {
    const linked: LinkedDevice = { device, noiseKey, ...(keys ? { keys } : {}), removed: false, historySynced: false, fullHistory, name }
    account.devices.set(device, linked)
    account.nextDevice = Math.max(account.nextDevice, device + 1)
    return linked
  }

  isOnWhatsApp(account: Account): boolean {
    return account.devices.size > 0 || !this.notOnWhatsApp.has(account.phoneNumber)
  }

  /** accounts with at least one device still linked */
  linked(): Account[] {
    return [...this.byPhone.values()].filter(a => this.isLinked(a.phoneNumber))
  }

  isLinked(phoneNumber: string): boolean {
    const account = this.byPhone.get(phoneNumber)
    return !!account && [...account.devices.values()].some(d => !d.removed)
  }
}
