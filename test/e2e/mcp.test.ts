import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Simulator } from '../../sim/index.js'
import { ApiClient } from '../support/api-client.js'
import { startHttpsFileServer } from '../support/https-file-server.js'
import { createPairedSession } from '../support/pairing.js'
import { startServerProcess } from '../support/server-process.js'
import { simEnv, startSim } from '../support/simulated-whatsapp.js'
import { tempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_KEY = 'mcp-admin-key-0123456789abcdef'
const PHONE = '15550009201'
const OTHER_PHONE = '15550009202'
const CONTACT = '15550009299'
const MEMBER = '15550009298'
const CONTACT_JID = `${CONTACT}@s.whatsapp.net`
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a5e70000000049454e44ae426082', 'hex')

interface ToolText {
  isError?: boolean
  content: Array<{ type: string; text: string }>
}
const textOf = (result: unknown): string => (result as ToolText).content.map((part) => part.text).join('')

describe('MCP server at /mcp: the official SDK client over Streamable HTTP, against the real server and simulator', async () => {
  const sim: Simulator = await startSim()
  const files = await startHttpsFileServer({ '/dot.png': { data: PNG, contentType: 'image/png' } })
  const server = await startServerProcess({ ...simEnv(sim, [files.caPem]), ADMIN_API_KEY: ADMIN_KEY, DATA_DIR: tempDir(), ALLOW_PRIVATE_URLS: 'true' })
  after(() => server.stop())
  const admin = new ApiClient(server.baseUrl, ADMIN_KEY)
  const sessionKey = await createPairedSession(admin, sim, 'agent', PHONE)
  await createPairedSession(admin, sim, 'other', OTHER_PHONE)

  const connect = async (key: string): Promise<Client> => {
    const client = new Client({ name: 'mcp-test', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }))
    after(() => client.close())
    return client
  }
  /** Calls a tool that must succeed; answers its JSON. */
  const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<any> => {
    const result = await client.callTool({ name, arguments: args })
    assert.ok(!(result as ToolText).isError, `${name} failed: ${textOf(result)}`)
    return JSON.parse(textOf(result))
  }

  it('lists the tools, each with an input schema', async () => {
    const client = await connect(ADMIN_KEY)
    const { tools } = await client.listTools()
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'check_numbers', 'get_contact', 'list_chats', 'list_groups', 'list_sessions', 'mark_read', 'read_messages', 'send_message',
    ])
    for (const tool of tools) {
      assert.ok(tool.description && tool.description.length > 20, `${tool.name} has no real description`)
      assert.equal(tool.inputSchema.type, 'object')
    }
    const send = tools.find((tool) => tool.name === 'send_message')!
    assert.deepEqual((send.inputSchema.required ?? []).sort(), ['to'])
    assert.ok(send.inputSchema.properties && 'media' in send.inputSchema.properties && 'idempotencyKey' in send.inputSchema.properties)
  })

  it('calls every tool with the admin key: sessions, sends of each kind, numbers, chats, messages, read, groups, contact', async () => {
    const client = await connect(ADMIN_KEY)
    const sessions = await call(client, 'list_sessions', {})
    assert.deepEqual(sessions.map((session: { deviceId: string; connectionState: string; phoneNumber: string }) => [session.deviceId, session.connectionState, session.phoneNumber]).sort(),
      [['agent', 'connected', PHONE], ['other', 'connected', OTHER_PHONE]])

    const incoming = await sim.sendText(PHONE, CONTACT, 'Can I get a quote?')
    await waitFor(async () => (await admin.get(`/api/sessions/agent/chats/${CONTACT}/messages`)).body.messages?.length === 1, { what: 'the message stored' })

    const text = await call(client, 'send_message', { deviceId: 'agent', to: CONTACT, text: 'Sure, one moment', replyTo: incoming.id, idempotencyKey: 'mcp-reply-1' })
    const reply = await sim.waitForMessage((message) => message.id === text.messageId)
    assert.equal(reply.message.extendedTextMessage?.text, 'Sure, one moment')
    assert.equal(reply.message.extendedTextMessage?.contextInfo?.stanzaId, incoming.id)
    const repeated = await call(client, 'send_message', { deviceId: 'agent', to: CONTACT, text: 'Sure, one moment', replyTo: incoming.id, idempotencyKey: 'mcp-reply-1' })
    assert.equal(repeated.messageId, text.messageId, 'the same idempotency key sends once')

    const image = await call(client, 'send_message', { deviceId: 'agent', to: CONTACT, text: 'the quote', media: { type: 'image', url: `${files.origin}/dot.png` } })
    const picture = await sim.waitForMessage((message) => message.id === image.messageId)
    assert.equal(picture.message.imageMessage?.caption, 'the quote')
    assert.deepEqual(picture.media?.data, PNG)

    const place = await call(client, 'send_message', { deviceId: 'agent', to: CONTACT, location: { latitude: 52.37, longitude: 4.89, name: 'Office' } })
    assert.equal((await sim.waitForMessage((message) => message.id === place.messageId)).message.locationMessage?.name, 'Office')

    const reaction = await call(client, 'send_message', { deviceId: 'agent', to: CONTACT, reaction: { messageId: incoming.id, emoji: '👍' } })
    const reacted = await sim.waitForMessage((message) => message.id === reaction.messageId)
    assert.equal(reacted.message.reactionMessage?.text, '👍')
    assert.equal(reacted.message.reactionMessage?.key?.id, incoming.id)

    const numbers = await call(client, 'check_numbers', { deviceId: 'agent', numbers: [CONTACT] })
    assert.deepEqual(numbers, [{ number: CONTACT, jid: CONTACT_JID, exists: true }])

    const chats = await call(client, 'list_chats', { deviceId: 'agent', limit: 10 })
    assert.ok(chats.some((chat: { jid: string }) => chat.jid === CONTACT_JID), JSON.stringify(chats))
    const history = await call(client, 'read_messages', { deviceId: 'agent', chat: CONTACT, limit: 10 })
    const ids = history.map((message: { id: string }) => message.id)
    for (const id of [incoming.id, text.messageId, image.messageId, place.messageId]) assert.ok(ids.includes(id), `${id} not in ${ids.join(', ')}`)
    assert.equal(history.find((message: { id: string }) => message.id === incoming.id).text, 'Can I get a quote?')

    const read = await call(client, 'mark_read', { deviceId: 'agent', chat: CONTACT })
    assert.equal(read.read, 1)
    await sim.waitForSignal((signal) => signal.kind === 'read' && signal.ids.includes(incoming.id))

    const group = sim.createGroup({ subject: 'Quotes desk', participants: [PHONE, CONTACT, MEMBER] })
    const groups = await waitFor(async () => {
      const listed = await call(client, 'list_groups', { deviceId: 'agent' })
      return listed.some((entry: { jid: string }) => entry.jid === group.jid) && listed
    }, { what: 'the group listed' })
    assert.equal(groups.find((entry: { jid: string }) => entry.jid === group.jid).name, 'Quotes desk')

    const contact = await call(client, 'get_contact', { deviceId: 'agent', contact: CONTACT })
    assert.equal(contact.phoneNumber, CONTACT)
    assert.equal(contact.exists, true)
    assert.equal(contact.jid, CONTACT_JID)
  })

  it('holds a session key to its own session, and reports errors as tool errors with the server\'s message', async () => {
    const client = await connect(sessionKey)
    const sessions = await call(client, 'list_sessions', {})
    assert.deepEqual(sessions.map((session: { deviceId: string }) => session.deviceId), ['agent'])
    const sent = await call(client, 'send_message', { to: CONTACT, text: 'sent with the session key' })
    assert.equal((await sim.waitForMessage((message) => message.id === sent.messageId)).from, PHONE)

    const elsewhere = await client.callTool({ name: 'read_messages', arguments: { deviceId: 'other', chat: CONTACT } })
    assert.equal((elsewhere as ToolText).isError, true)
    assert.match(textOf(elsewhere), /belongs to session "agent"; it cannot reach session "other"/)
    const sendElsewhere = await client.callTool({ name: 'send_message', arguments: { deviceId: 'other', to: CONTACT, text: 'nope' } })
    assert.equal((sendElsewhere as ToolText).isError, true)
    assert.equal(sim.received().filter((message) => message.from === OTHER_PHONE).length, 0)

    const captionTwice = await client.callTool({ name: 'send_message', arguments: { to: CONTACT, text: 'x', media: { type: 'image', url: `${files.origin}/dot.png`, caption: 'y' } } })
    assert.match(textOf(captionTwice), /Give the caption once/)
    const voiceWithText = await client.callTool({ name: 'send_message', arguments: { to: CONTACT, text: 'x', media: { type: 'audio', url: `${files.origin}/dot.png` } } })
    assert.match(textOf(voiceWithText), /An audio file has no caption/)

    const badNumber = await client.callTool({ name: 'send_message', arguments: { to: 'not a number', text: 'x' } })
    assert.equal((badNumber as ToolText).isError, true)
    assert.match(textOf(badNumber), /^HTTP 400: number must be a phone number/)

    const adminClient = await connect(ADMIN_KEY)
    const noSession = await adminClient.callTool({ name: 'list_chats', arguments: {} })
    assert.match(textOf(noSession), /deviceId is required with the admin key/)
    const unknown = await adminClient.callTool({ name: 'list_groups', arguments: { deviceId: 'nobody' } })
    assert.match(textOf(unknown), /^HTTP 404: Session "nobody" not found/)
    const invalidInput = await adminClient.callTool({ name: 'read_messages', arguments: { deviceId: 'agent', chat: CONTACT, limit: 100_000 } })
    assert.equal((invalidInput as ToolText).isError, true)
  })

  it('holds named keys to their scopes and stops a revoked one at once', async () => {
    const named = async (name: string, scopes: string[]): Promise<{ id: string; apiKey: string }> => {
      const created = await admin.post('/api/sessions/agent/keys', { name, scopes })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      return { id: created.body.key.id as string, apiKey: created.body.apiKey as string }
    }
    const sender = await named('mcp sender', ['send'])
    const senderClient = await connect(sender.apiKey)
    const sent = await call(senderClient, 'send_message', { to: CONTACT, text: 'sent by a send-only key' })
    assert.equal((await sim.waitForMessage((message) => message.id === sent.messageId)).from, PHONE)
    const unread = await senderClient.callTool({ name: 'read_messages', arguments: { chat: CONTACT } })
    assert.equal((unread as ToolText).isError, true)
    assert.match(textOf(unread), /^HTTP 403: This key lacks the read scope/)

    const reader = await named('mcp reader', ['read'])
    const readerClient = await connect(reader.apiKey)
    assert.ok((await call(readerClient, 'read_messages', { chat: CONTACT })).length > 0)
    const before = sim.received().length
    const refused = await readerClient.callTool({ name: 'send_message', arguments: { to: CONTACT, text: 'not allowed' } })
    assert.match(textOf(refused), /^HTTP 403: This key lacks the send scope/)
    assert.equal(sim.received().length, before)

    assert.equal((await admin.delete(`/api/sessions/agent/keys/${reader.id}`)).status, 200)
    await assert.rejects(readerClient.callTool({ name: 'list_chats', arguments: {} }), /403|Invalid API key/)
  })

  it('refuses callers without a valid key, and methods a stateless endpoint does not serve', async () => {
    const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } })
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const anonymous = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers, body: initialize })
    assert.equal(anonymous.status, 401)
    const wrong = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer not-a-key-of-anyone-here' }, body: initialize })
    assert.equal(wrong.status, 403)
    assert.equal(((await wrong.json()) as { error: string }).error, 'Invalid API key')
    await assert.rejects(connect('not-a-key-of-anyone-here'))
    for (const method of ['GET', 'DELETE']) {
      const answer = await fetch(`${server.baseUrl}/mcp`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      assert.equal(answer.status, 405)
      assert.equal(answer.headers.get('allow'), 'POST')
    }
  })
})
