import {
  encodeBigEndian,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  getBinaryNodeChildren,
  getBinaryNodeChildUInt,
  jidDecode,
  KEY_BUNDLE_TYPE,
  type BinaryNode
} from '@whiskeysockets/baileys'
import type { DeviceKeys, LinkedDevice } from './accounts.js'
import type { SimContext } from './context.js'
import { PreKeyPool } from './prekey-pool.js'

/** Reads a client's `<iq xmlns=encrypt type=set>` pre-key upload into its device record. */
export function storeUploadedKeys(iq: BinaryNode, device: LinkedDevice): void {
  const skey = getBinaryNodeChild(iq, 'skey')
  const preKeys = getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key').map(key => ({
    id: getBinaryNodeChildUInt(key, 'id', 3) ?? 0,
    publicKey: getBinaryNodeChildBuffer(key, 'value') ?? new Uint8Array(32)
  }))
  const keys: DeviceKeys = device.keys ?? {
    registrationId: 0,
    identityKey: Buffer.alloc(32),
    signedPreKey: { keyId: 0, publicKey: Buffer.alloc(32), signature: Buffer.alloc(64) },
    preKeys: new PreKeyPool()
  }
  keys.registrationId = getBinaryNodeChildUInt(iq, 'registration', 4) ?? keys.registrationId
  keys.identityKey = Buffer.from(getBinaryNodeChildBuffer(iq, 'identity') ?? keys.identityKey)
  if (skey) storeSignedPreKey(skey, keys)
  keys.preKeys.add(preKeys)
  device.keys = keys
}

/**
 * The keys a client put in a retry receipt (`<registration>` and `<keys>`, sent once a plain
 * re-send did not help): the sender builds a new session from them. Undefined when it sent none.
 */
export function retryReceiptKeys(receipt: BinaryNode): DeviceKeys | undefined {
  const keys = getBinaryNodeChild(receipt, 'keys')
  const skey = getBinaryNodeChild(keys, 'skey')
  const identity = getBinaryNodeChildBuffer(keys, 'identity')
  if (!keys || !skey || !identity) return undefined
  const preKey = getBinaryNodeChild(keys, 'key')
  const bundle: DeviceKeys = {
    registrationId: getBinaryNodeChildUInt(receipt, 'registration', 4) ?? 0,
    identityKey: Buffer.from(identity),
    signedPreKey: { keyId: 0, publicKey: Buffer.alloc(32), signature: Buffer.alloc(64) },
    preKeys: new PreKeyPool()
  }
  storeSignedPreKey(skey, bundle)
  if (preKey) {
    bundle.preKeys.add([{ id: getBinaryNodeChildUInt(preKey, 'id', 3) ?? 0, publicKey: getBinaryNodeChildBuffer(preKey, 'value') ?? new Uint8Array(32) }])
  }
  return bundle
}

export function storeSignedPreKey(skey: BinaryNode, keys: DeviceKeys): void {
  keys.signedPreKey = {
    keyId: getBinaryNodeChildUInt(skey, 'id', 3) ?? 0,
    publicKey: Buffer.from(getBinaryNodeChildBuffer(skey, 'value') ?? []),
    signature: Buffer.from(getBinaryNodeChildBuffer(skey, 'signature') ?? [])
  }
}

function linkedDeviceBundle(keys: DeviceKeys): BinaryNode[] {
  const preKey = keys.preKeys.take()
  return [
    { tag: 'registration', attrs: {}, content: encodeBigEndian(keys.registrationId) },
    { tag: 'type', attrs: {}, content: KEY_BUNDLE_TYPE },
    { tag: 'identity', attrs: {}, content: keys.identityKey },
    {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: encodeBigEndian(keys.signedPreKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: keys.signedPreKey.publicKey },
        { tag: 'signature', attrs: {}, content: keys.signedPreKey.signature }
      ]
    },
    ...(preKey
      ? [{ tag: 'key', attrs: {}, content: [{ tag: 'id', attrs: {}, content: encodeBigEndian(preKey.id, 3) }, { tag: 'value', attrs: {}, content: preKey.publicKey }] }]
      : [])
  ]
}

const notFound = (jid: string): BinaryNode => ({
  tag: 'user',
  attrs: { jid },
  content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }]
})

/** Answers a key fetch (`<key><user jid=.../></key>`) with one pre-key bundle per device. */
export async function answerKeyFetch(iq: BinaryNode, ctx: SimContext): Promise<BinaryNode> {
  const users: BinaryNode[] = []
  for (const user of getBinaryNodeChildren(getBinaryNodeChild(iq, 'key'), 'user')) {
    const jid = user.attrs.jid ?? ''
    const decoded = jidDecode(jid)
    const account = decoded ? ctx.accounts.byUser(decoded.user, decoded.server) : undefined
    if (!decoded || !account) {
      users.push(notFound(jid))
      continue
    }
    const device = decoded.device ?? 0
    if (device === 0) {
      users.push({ tag: 'user', attrs: { jid }, content: await ctx.peers.get(account.phoneNumber).bundle() })
      continue
    }
    const keys = account.devices.get(device)?.keys
    users.push(keys ? { tag: 'user', attrs: { jid }, content: linkedDeviceBundle(keys) } : notFound(jid))
  }
  return { tag: 'list', attrs: {}, content: users }
}
