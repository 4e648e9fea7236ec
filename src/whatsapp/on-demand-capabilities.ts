import type { WASocket } from '@whiskeysockets/baileys'
import type { Channels } from '../sessions/channels-port.js'
import type { Groups } from '../sessions/groups-port.js'
import type { People } from '../sessions/people-port.js'
import type { ChatActions, Conversations } from '../sessions/whatsapp-port.js'
import { baileysChannels } from './channels.js'
import { baileysChatActions } from './chat-actions.js'
import { baileysConversations } from './conversations.js'
import type { GroupMetadataCache } from './group-metadata-cache.js'
import { baileysGroups } from './groups.js'
import { baileysPeople } from './people.js'

/**
 * A socket's capabilities that listen to nothing, each built at its first use: each is a few dozen
 * closures, which most of ten thousand sessions never call. A class, so that the getters live once
 * on its prototype (getters in an object literal made every connection a dictionary-mode object).
 */
export class OnDemandCapabilities {
  #conversations: Conversations | undefined
  #chats: ChatActions | undefined
  #people: People | undefined
  #groups: Groups | undefined
  #channels: Channels | undefined

  constructor(
    private readonly socket: WASocket,
    private readonly groupCache: GroupMetadataCache,
  ) {}

  get conversations(): Conversations {
    return (this.#conversations ??= baileysConversations(this.socket))
  }

  get chats(): ChatActions {
    return (this.#chats ??= baileysChatActions(this.socket))
  }

  get people(): People {
    return (this.#people ??= baileysPeople(this.socket))
  }

  get groups(): Groups {
    return (this.#groups ??= baileysGroups(this.socket, this.groupCache))
  }

  get channels(): Channels {
    return (this.#channels ??= baileysChannels(this.socket))
  }
}
