import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GroupCipher, GroupSessionBuilder, SenderKeyName, SenderKeyRecord } from '@whiskeysockets/baileys/lib/Signal/Group/index.js'
import { encryptWithCurrentKey } from '../../src/whatsapp/group-cipher-fix.js'

/** A sender-key store kept as the bytes Baileys' own store writes, so sizes are what the database holds. */
function store() {
  const records = new Map<string, string>()
  return {
    records,
    loadSenderKey: async (name: SenderKeyName) => {
      const stored = records.get(name.toString())
      return stored ? SenderKeyRecord.deserialize(Buffer.from(stored)) : new SenderKeyRecord()
    },
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => void records.set(name.toString(), JSON.stringify(record.serialize())),
  }
}

const GROUP = '120363000000000001@g.us'
const senderName = new SenderKeyName(GROUP, { id: '100000000000001', deviceId: 7, toString: () => '100000000000001.7' })

async function pair() {
  const sender = store()
  const receiver = store()
  const distribution = await new GroupSessionBuilder(sender).create(senderName)
  await new GroupSessionBuilder(receiver).process(senderName, distribution)
  const encrypt = (text: string) => encryptWithCurrentKey.call(new GroupCipher(sender, senderName) as never, Buffer.from(text))
  const decrypt = async (bytes: Uint8Array) => Buffer.from(await new GroupCipher(receiver, senderName).decrypt(bytes)).toString()
  return { sender, receiver, encrypt, decrypt }
}

describe('group messages encrypted with the current sender key', () => {
  it('are read by a stock receiver, one iteration after another, nothing skipped', async () => {
    const { encrypt, decrypt, receiver } = await pair()
    for (const text of ['a', 'b', 'c', 'd']) assert.equal(await decrypt(await encrypt(text)), text)
    assert.equal(JSON.parse(receiver.records.get(senderName.toString())!)[0].senderMessageKeys.length, 0, 'the receiver kept no skipped key')
  })

  it('keep the sender\'s own record the same size however many are sent', async () => {
    const { sender, encrypt } = await pair()
    await encrypt('first')
    const size = sender.records.get(senderName.toString())!.length
    for (let i = 0; i < 50; i++) await encrypt(`message ${i}`)
    // the chain key's bytes and the iteration change; a kept key would add about 160 bytes a send
    assert.ok(sender.records.get(senderName.toString())!.length < size + 200, `${size} bytes grew to ${sender.records.get(senderName.toString())!.length}`)
  })

  it('drop the keys a stock encrypt left in the record', async () => {
    const { sender, encrypt, decrypt } = await pair()
    for (let i = 0; i < 5; i++) await new GroupCipher(sender, senderName).encrypt(Buffer.from(`stock ${i}`))
    assert.ok(JSON.parse(sender.records.get(senderName.toString())!)[0].senderMessageKeys.length > 0, 'the stock encrypt keeps skipped keys')
    const bytes = await encrypt('after the fix')
    assert.equal(JSON.parse(sender.records.get(senderName.toString())!)[0].senderMessageKeys.length, 0)
    assert.equal(await decrypt(bytes), 'after the fix')
  })
})
