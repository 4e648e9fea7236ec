import { invalidInput } from '../errors.js'
import type { MediaInput, MediaResolver } from '../messaging/media-resolver.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { OwnProfile, People, PrivacySetting, PrivacyValue } from '../sessions/people-port.js'

export const MAX_NAME_LENGTH = 25
export const MAX_ABOUT_LENGTH = 139

export interface ProfileChange {
  name?: string
  about?: string
  picture?: MediaInput
}

/** The account's own profile (name, "about", picture) and privacy settings, as WhatsApp keeps them. */
export class ProfileService {
  constructor(
    private readonly manager: SessionManager,
    private readonly media: MediaResolver,
  ) {}

  get(deviceId: string): Promise<OwnProfile> {
    return this.people(deviceId).ownProfile()
  }

  /** Applies each given field (the picture fetched safely, like media to send), then reads the profile back. */
  async update(deviceId: string, change: ProfileChange): Promise<OwnProfile> {
    if (change.name === undefined && change.about === undefined && change.picture === undefined) {
      throw invalidInput('Give at least one of name, about or picture')
    }
    const people = this.people(deviceId)
    const name = change.name?.trim()
    if (name !== undefined && name.length === 0) throw invalidInput('name must not be empty')
    // Fetch and check the picture before changing anything, so a bad one changes nothing.
    const picture = change.picture && (await this.media.resolve('image', change.picture))
    if (name !== undefined) {
      await people.setName(name)
      this.manager.renameAccount(deviceId, name)
    }
    if (change.about !== undefined) await people.setAbout(change.about)
    if (picture) {
      try {
        await people.setPicture(picture.data)
      } catch (error) {
        if (/unsupported image|input buffer|corrupt|bad seek|vips/i.test((error as Error).message)) throw invalidInput(`picture is not an image WhatsApp can use: ${(error as Error).message}`)
        throw error
      }
    }
    return people.ownProfile()
  }

  removePicture(deviceId: string): Promise<void> {
    return this.people(deviceId).removePicture()
  }

  privacy(deviceId: string): Promise<Partial<Record<PrivacySetting, PrivacyValue>>> {
    return this.people(deviceId).privacy()
  }

  /** Changes the given settings, one after another, then reads them all back. */
  async setPrivacy(deviceId: string, settings: Partial<Record<PrivacySetting, PrivacyValue>>): Promise<Partial<Record<PrivacySetting, PrivacyValue>>> {
    const entries = Object.entries(settings) as Array<[PrivacySetting, PrivacyValue]>
    if (entries.length === 0) throw invalidInput('Give at least one privacy setting')
    const people = this.people(deviceId)
    for (const [setting, value] of entries) await people.setPrivacy(setting, value)
    return people.privacy()
  }

  private people(deviceId: string): People {
    return this.manager.requireConnection(deviceId).people
  }
}
