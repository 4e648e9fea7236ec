import { randomBytes } from 'node:crypto'
import {
  chatModificationToAppPatch,
  decodePatches,
  encodeSyncdPatch,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  newLTHashState,
  proto,
  type BinaryNode,
  type ChatModification,
  type LTHashState,
  type WAPatchName
} from '@whiskeysockets/baileys'

/** A change a linked device pushed, as the phone decoded it. */
export interface PushedMutation {
  collection: string
  /** e.g. ['archive', '1555...@s.whatsapp.net'] */
  index: string[]
  action: proto.ISyncActionValue
}

interface Collection {
  /** encoded SyncdPatch, each with its version: patches[i] is version i + 1 */
  patches: Uint8Array[]
  /** the phone's view, advanced over every patch whoever wrote it */
  state: LTHashState
}

/** One account's app state: the sync key its phone shares with every device, and its collections. */
class AccountAppState {
  readonly keyId = randomBytes(6)
  readonly keyData = randomBytes(32)
  readonly collections = new Map<string, Collection>()
  readonly pushed: PushedMutation[] = []

  get keyIdB64(): string {
    return this.keyId.toString('base64')
  }

  readonly getKey = async (id: string): Promise<proto.Message.IAppStateSyncKeyData | undefined> =>
    id === this.keyIdB64 ? { keyData: this.keyData } : undefined

  collection(name: string): Collection {
    let found = this.collections.get(name)
    if (!found) this.collections.set(name, (found = { patches: [], state: newLTHashState() }))
    return found
  }
}

/**
 * WhatsApp's app state (w:sync:app:state) as the server stores it and the phone writes it: per
 * account and collection an ordered list of encrypted patches. Linked devices fetch the patches
 * after their version and push their own (archive, pin, mute, ...); the phone decodes those with
 * the key it shared and writes its own changes as patches the devices are told about (server_sync).
 */
export class AppStateDesk {
  private readonly accounts = new Map<string, AccountAppState>()

  /** `onPushed` hears each change a device pushed, e.g. to apply a new profile name. */
  constructor(private readonly onPushed: (phoneNumber: string, mutation: PushedMutation) => void = () => {}) {}

  private account(phoneNumber: string): AccountAppState {
    let found = this.accounts.get(phoneNumber)
    if (!found) this.accounts.set(phoneNumber, (found = new AccountAppState()))
    return found
  }

  /** The phone's protocol message handing a device the key app-state patches are encrypted with. */
  keyShare(phoneNumber: string): proto.IMessage {
    const { keyId, keyData } = this.account(phoneNumber)
    return {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
        appStateSyncKeyShare: {
          keys: [{ keyId: { keyId }, keyData: { keyData, fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] }, timestamp: Date.now() } }]
        }
      }
    }
  }

  /**
   * Answers one `<iq xmlns=w:sync:app:state>`: a `<patch>` in a collection is the device's push
   * (stored as the next version); otherwise the device gets the patches after its version.
   */
  async answer(phoneNumber: string, iq: BinaryNode): Promise<BinaryNode> {
    const account = this.account(phoneNumber)
    const content: BinaryNode[] = []
    for (const requested of getBinaryNodeChildren(getBinaryNodeChild(iq, 'sync'), 'collection')) {
      const name = requested.attrs.name ?? ''
      const since = Number(requested.attrs.version ?? '0')
      const push = getBinaryNodeChild(requested, 'patch')
      if (push?.content instanceof Uint8Array) {
        const pushedBefore = account.pushed.length
        const version = await this.acceptPush(account, name, push.content)
        for (const mutation of account.pushed.slice(pushedBefore)) this.onPushed(phoneNumber, mutation)
        content.push({ tag: 'collection', attrs: { name, version: String(version) } })
        continue
      }
      const { patches } = account.collection(name)
      const newer = patches.slice(since)
      content.push({
        tag: 'collection',
        attrs: { name, version: String(patches.length), has_more_patches: 'false' },
        content: newer.length ? [{ tag: 'patches', attrs: {}, content: newer.map(bytes => ({ tag: 'patch', attrs: {}, content: bytes })) }] : undefined
      })
    }
    return { tag: 'sync', attrs: {}, content }
  }

  /** The user changed something on the phone (archived a chat, ...): returns the collection and its new version. */
  async phoneChange(phoneNumber: string, modification: ChatModification, jid: string): Promise<{ collection: string; version: number }> {
    const account = this.account(phoneNumber)
    const create = chatModificationToAppPatch(modification, jid)
    const collection = account.collection(create.type)
    const { patch, state } = await encodeSyncdPatch(create, account.keyIdB64, collection.state, account.getKey)
    patch.version = { version: state.version }
    collection.patches.push(proto.SyncdPatch.encode(patch).finish())
    collection.state = state
    return { collection: create.type, version: state.version }
  }

  /** What the account's devices pushed, oldest first. */
  pushedBy(phoneNumber: string): readonly PushedMutation[] {
    return this.account(phoneNumber).pushed
  }

  /** Decodes a device's patch with full MAC checks; one that does not verify fails the request and is not stored. */
  private async acceptPush(account: AccountAppState, name: string, bytes: Uint8Array): Promise<number> {
    const collection = account.collection(name)
    const version = collection.patches.length + 1
    const patch = proto.SyncdPatch.decode(bytes)
    patch.version = { version }
    const { state, mutationMap } = await decodePatches(name as WAPatchName, [patch], collection.state, account.getKey, {}, undefined, undefined, true)
    for (const { index, syncAction } of Object.values(mutationMap)) account.pushed.push({ collection: name, index, action: syncAction.value ?? {} })
    collection.patches.push(proto.SyncdPatch.encode(patch).finish())
    collection.state = state
    return version
  }
}

/** Tells a device an app-state collection has new patches: it fetches them (one collection per notification). */
export function serverSync(collection: string, version: number): BinaryNode {
  return {
    tag: 'notification',
    attrs: { from: 's.whatsapp.net', type: 'server_sync', id: randomBytes(8).toString('hex'), t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'collection', attrs: { name: collection, version: String(version) } }]
  }
}
