import sharp from 'sharp'
import { askingWhatsApp, invalidInput } from '../errors.js'
import type { MediaInput, MediaResolver } from '../messaging/media-resolver.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { OwnProfile, People, PrivacySetting, PrivacyValue } from '../sessions/people-port.js'

export const MAX_NAME_LENGTH = 25
export const MAX_ABOUT_LENGTH = 139

/** Whether the bytes decode as an image of a sane size (what WhatsApp's square JPEG is made from). */
export async function checkImage(data: Buffer): Promise<void> {
  try {
    // A full decode (to a thumbnail) also meets sharp's pixel limit, which a header alone would not.
    await sharp(data).resize(16, 16).toBuffer()
  } catch (error) {
    throw invalidInput(`picture is not an image that can be used: ${(error as Error).message}`)
  }
}

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
    // Fetch and decode the picture before changing anything, so a bad one changes nothing.
    const picture = change.picture && (await this.media.resolve('image', change.picture))
    if (picture) await checkImage(picture.data)
    if (picture) await people.setPicture(picture.data)
    // The connection reports the new name to the session itself (onRenamed), as for a name set on the phone.
    if (name !== undefined) await people.setName(name)
    if (change.about !== undefined) await people.setAbout(change.about)
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
    return askingWhatsApp(this.manager.requireConnection(deviceId).people)
  }
}
