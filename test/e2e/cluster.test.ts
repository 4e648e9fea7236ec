import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { BufferJSON } from '@whiskeysockets/baileys'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { ClusterNodeView } from '../../src/http/routes/cluster.js'
import { ApiClient } from '../support/api-client.js'
import { readEvents } from '../support/event-stream.js'
import { startServerProcess, type ServerProcess } from '../support/server-process.js'
import { assertNeverTwoSockets, simEnv, startSim } from '../support/simulated-whatsapp.js'
import { waitFor } from '../support/wait-for.js'
import { WebhookReceiver } from '../support/webhook-receiver.js'
import { createTestSchema } from '../store/backends.js'

const ADMIN_KEY = 'cluster-admin-key-0123456789abcdef'
const SESSIONS = 60
const CONTACT = '15559990000'
const phoneOf = (index: number): string => `1555200${String(index).padStart(4, '0')}`
const deviceOf = (index: number): string => `s${String(index).padStart(2, '0')}`

describe('cluster: nodes sharing one PostgreSQL database, against the protocol simulator', async () => {
  const sim = await startSim()
  const schema = await createTestSchema()
  const receiver = await WebhookReceiver.start()
  const quietReceiver = await WebhookReceiver.start('/quiet')
  const env = {
    ...simEnv(sim),
    ADMIN_API_KEY: ADMIN_KEY,
    DATABASE_URL: schema.url,
    SEND_TIMEOUT_MS: '10000',
    RECONNECT_BASE_DELAY_MS: '200',
    RECONNECT_MAX_DELAY_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '100000',
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: 'cluster-webhook-secret-0123456789',
    ALLOW_PRIVATE_URLS: 'true',
  }
  const nodes = new Map<string, ServerProcess>()
  const start = async (nodeId: string): Promise<void> => {
    nodes.set(nodeId, await startServerProcess({ ...env, NODE_ID: nodeId }))
  }
  const api = (nodeId: string): ApiClient => new ApiClient(nodes.get(nodeId)!.baseUrl, ADMIN_KEY)
  const liveNodes = (): string[] => [...nodes].filter(([, node]) => node.child.exitCode === null && node.child.signalCode === null).map(([id]) => id)
  const cluster = async (via = liveNodes()[0]!): Promise<ClusterNodeView[]> => (await api(via).get('/api/cluster')).body.nodes as ClusterNodeView[]
  const states = async (via = liveNodes()[0]!): Promise<Map<string, string>> =>
    new Map(((await api(via).get('/api/sessions')).body.sessions as Array<{ deviceId: string; connectionState: string }>).map((s) => [s.deviceId, s.connectionState]))

  /** Every session connected, held by a live node, each node within one of its fair share. */
  const balanced = async (expectedSessions: number): Promise<ClusterNodeView[] | false> => {
    const view = (await cluster()).filter((node) => node.alive)
    const held = view.flatMap((node) => node.sessions)
    if (held.length !== expectedSessions || new Set(held).size !== expectedSessions) return false
    const fair = expectedSessions / view.length
    if (view.some((node) => Math.abs(node.sessions.length - fair) > 1)) return false
    const connected = [...(await states()).values()].filter((state) => state === 'connected').length
    return connected === expectedSessions && view
  }
  const everySession = Array.from({ length: SESSIONS }, (_, index) => ({ deviceId: deviceOf(index), phoneNumber: phoneOf(index) }))
  const noSessionEverHadTwoSockets = (): void => assertNeverTwoSockets(sim, everySession)

  before(async () => {
    // Sixty linked devices, written straight to the database as a migration from another node would leave them.
    const seed = await openPostgresStore({ url: schema.url, nodeId: 'seed' })
    for (let index = 0; index < SESSIONS; index++) {
      await seed.sessions.create(deviceOf(index), 'running')
      await seed.authStates.writeCreds(deviceOf(index), JSON.stringify(sim.provision(phoneOf(index)).creds, BufferJSON.replacer))
    }
    await seed.close()
    await Promise.all(['node-1', 'node-2', 'node-3'].map(start))
  })
  after(async () => {
    await Promise.all([...nodes.values()].map((node) => node.stop()))
    await schema.drop()
  })

  it('spreads the sessions evenly over three nodes, all connected without a QR', async () => {
    const view = await waitFor(() => balanced(SESSIONS), { timeoutMs: 90_000, intervalMs: 250, what: 'sessions spread 20/20/20 and connected' })
    assert.deepEqual(view.map((node) => node.sessions.length), [20, 20, 20])
    assert.equal(sim.pendingQrs().length, 0)
    noSessionEverHadTwoSockets()
  })

  it('answers on any node: state, a synchronous send, chats, people, groups, QR and pairing of a new session, and live events', async () => {
    const view = await cluster()
    const owner = view.find((node) => node.sessions.includes('s00'))!.nodeId
    const [other, third] = liveNodes().filter((id) => id !== owner) as [string, string]

    const sent = await api(other).post('/api/messages/send', { deviceId: 's00', number: CONTACT, message: 'sent through another node' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(sent.body.status, 'sent')
    await sim.waitForMessage((m) => m.text === 'sent through another node' && m.from === phoneOf(0))

    const checked = await api(third).post('/api/sessions/s00/check-numbers', { numbers: [CONTACT] })
    assert.equal(checked.status, 200, JSON.stringify(checked.body))
    const typing = await api(third).post(`/api/sessions/s00/chats/${CONTACT}/presence`, { state: 'typing' })
    assert.equal(typing.status, 200, JSON.stringify(typing.body))
    await sim.waitForSignal((signal) => signal.kind === 'chatstate' && signal.from === phoneOf(0) && signal.to === `${CONTACT}@s.whatsapp.net`)
    // A chat action goes to the owner's socket as an app-state patch; the stored result reads the same on every node.
    const archived = await waitFor(async () => {
      const response = await api(third).post(`/api/sessions/s00/chats/${CONTACT}/archive`)
      return response.status !== 409 && response
    }, { what: 'the phone\'s app-state key with s00' })
    assert.equal(archived.status, 200, JSON.stringify(archived.body))
    assert.deepEqual(sim.appStatePushes(phoneOf(0)).map((push) => push.index), [['archive', `${CONTACT}@s.whatsapp.net`]])
    const listed = (await api(other).get('/api/sessions/s00/chats')).body.chats as Array<{ jid: string; archived: boolean }>
    assert.equal(listed.find((chat) => chat.jid === `${CONTACT}@s.whatsapp.net`)?.archived, true)
    const contact = await api(third).get(`/api/sessions/s00/contacts/${CONTACT}`)
    assert.deepEqual([contact.status, contact.body.exists, contact.body.phoneNumber], [200, true, CONTACT], JSON.stringify(contact.body))
    const profile = await api(other).get('/api/sessions/s00/profile')
    assert.equal(profile.body.phoneNumber, phoneOf(0), JSON.stringify(profile.body))
    const group = await api(third).post('/api/sessions/s00/groups', { subject: 'Cluster group', participants: [CONTACT] })
    assert.equal(group.status, 200, JSON.stringify(group.body))
    const groupJid = group.body.group.jid as string
    assert.equal(sim.groupOf(groupJid)?.owner, phoneOf(0))
    const read = await api(other).get(`/api/sessions/s00/groups/${groupJid}`)
    assert.deepEqual([read.status, read.body.group?.subject], [200, 'Cluster group'], JSON.stringify(read.body))
    await waitFor(() => receiver.accepted.some((r) => r.event.type === 'group.joined' && r.event.data.group.jid === groupJid),
      { what: 'group.joined delivered once the owner heard of the new group' })

    const created = await api(other).post('/api/sessions', { deviceId: 'fresh' })
    assert.equal(created.status, 201)
    const qr = await waitFor(async () => {
      const response = await api(third).get('/api/sessions/fresh/qr')
      return response.status === 200 && (response.body.qrCode as string)
    }, { what: 'the QR of a session run by another node' })
    await sim.scanQr(qr, { phoneNumber: '15552009999' })
    await waitFor(async () => (await states(third)).get('fresh') === 'connected', { what: 'fresh connected, seen from a third node' })

    const events = await readEvents(`${nodes.get(third)!.baseUrl}/api/events?deviceId=s00`, { authorization: `Bearer ${ADMIN_KEY}` },
      (seen) => seen.some((event) => event.type === 'message.received'), () => {
        void sim.sendText(phoneOf(0), CONTACT, 'seen on every node')
      })
    assert.equal(events.find((event) => event.type === 'message.received')?.data.text, 'seen on every node')
    await waitFor(() => receiver.accepted.some((r) => r.event.type === 'message.received' && r.event.data.text === 'seen on every node'),
      { what: 'the webhook delivery of the received message' })
  })

  it('takes a session key set through one node on every node at once, and stops the replaced one at once', async () => {
    const [first, second, third] = liveNodes() as [string, string, string]
    let previous: string | undefined
    for (let round = 0; round < 10; round++) {
      const [setVia, useVia] = round % 2 === 0 ? [first, second] : [second, third]
      const issued = await api(setVia).put('/api/sessions/s01/api-key', {})
      assert.equal(issued.status, 200)
      const key = issued.body.apiKey as string
      const used = await new ApiClient(nodes.get(useVia)!.baseUrl, key).get('/api/sessions/s01')
      assert.equal(used.status, 200, `round ${round}: the new key through ${useVia}: ${JSON.stringify(used.body)}`)
      if (previous) {
        const replaced = await new ApiClient(nodes.get(third)!.baseUrl, previous).get('/api/sessions/s01')
        assert.equal(replaced.status, 403, `round ${round}: the replaced key through ${third}`)
      }
      previous = key
    }
  })

  it('applies settings through any node on the node running the session, and revokes a named key at once on every node', async () => {
    const owner = (await cluster()).find((node) => node.sessions.includes('s02'))!.nodeId
    const [other, third] = liveNodes().filter((id) => id !== owner) as [string, string]
    const changed = await api(other).put('/api/sessions/s02/settings', { markOnline: true, metadata: { shard: 'two' } })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    await sim.waitForSignal((signal) => signal.kind === 'presence' && signal.from === phoneOf(2) && signal.state === 'available')
    const { id: received } = await sim.sendText(phoneOf(2), CONTACT, 'tagged through the owner')
    const event = await waitFor(() => receiver.uniqueEvents().find((e) => e.type === 'message.received' && e.data.id === received), {
      what: 'the message event with the metadata set through another node',
    })
    assert.deepEqual(event.metadata, { shard: 'two' })
    assert.deepEqual((await api(third).get('/api/sessions/s02')).body.session.settings.metadata, { shard: 'two' })

    const created = await api(third).post('/api/sessions/s02/keys', { name: 'reader', scopes: ['read'] })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const reader = (nodeId: string) => new ApiClient(nodes.get(nodeId)!.baseUrl, created.body.apiKey as string)
    for (const nodeId of liveNodes()) assert.equal((await reader(nodeId).get('/api/sessions/s02/chats')).status, 200, nodeId)
    assert.equal((await reader(owner).post('/api/messages/send', { deviceId: 's02', number: CONTACT, message: 'no' })).body.missingScope, 'send')
    assert.equal((await api(owner).delete(`/api/sessions/s02/keys/${created.body.key.id}`)).status, 200)
    for (const nodeId of liveNodes()) assert.equal((await reader(nodeId).get('/api/sessions/s02/chats')).status, 403, `revoked on ${nodeId}`)
  })

  it('reads sessions and webhooks as the database has them when another node\'s notice never came', async () => {
    // Written straight to the database, as a node whose NOTIFY was lost would leave them.
    const elsewhere = await openPostgresStore({ url: schema.url, nodeId: 'elsewhere' })
    try {
      assert.equal(await elsewhere.sessions.create('quiet', 'stopped'), true)
      for (const nodeId of liveNodes()) {
        const read = await api(nodeId).get('/api/sessions/quiet')
        assert.equal(read.status, 200, `a session created elsewhere, through ${nodeId}: ${JSON.stringify(read.body)}`)
      }
      const hook = { id: 'wh_quiet', deviceId: 's03', url: quietReceiver.url, secret: 'quiet-secret-0123456789abcdef', events: ['message.received'], createdAt: Date.now() }
      await elsewhere.webhooks.create(hook)
      for (const nodeId of liveNodes()) {
        const listed = (await api(nodeId).get('/api/sessions/s03/webhooks')).body.webhooks as Array<{ id: string }>
        assert.ok(listed.some((webhook) => webhook.id === hook.id), `the webhook through ${nodeId}`)
      }
      // The node running s03 had its webhooks cached: the cache ages out rather than missing the new one for good.
      await waitFor(async () => {
        const { id } = await sim.sendText(phoneOf(3), CONTACT, 'to a webhook added elsewhere')
        return waitFor(() => quietReceiver.uniqueEvents().some((event) => event.data.id === id), { timeoutMs: 2_000, intervalMs: 100 }).catch(() => false)
      }, { timeoutMs: 45_000, intervalMs: 0, what: 'an event delivered to the webhook added elsewhere' })
      await elsewhere.webhooks.delete(hook.id)
      await elsewhere.sessions.delete('quiet')
      for (const nodeId of liveNodes()) {
        assert.equal((await api(nodeId).get('/api/sessions/quiet')).status, 404, `a session deleted elsewhere, through ${nodeId}`)
        assert.deepEqual((await api(nodeId).get('/api/sessions/s03/webhooks')).body.webhooks, [], `the webhook deleted elsewhere, through ${nodeId}`)
      }
    } finally {
      await elsewhere.close()
    }
  })

  it('labels, posts a status and runs a channel through nodes that do not run the session', async () => {
    const owner = (await cluster()).find((node) => node.sessions.includes('s03'))!.nodeId
    const [other, third] = liveNodes().filter((id) => id !== owner) as [string, string]
    const label = await waitFor(async () => {
      const response = await api(other).post('/api/sessions/s03/labels', { name: 'Cluster VIP', color: 3 })
      return response.status !== 409 && response
    }, { what: 'the phone\'s app-state key with s03' })
    assert.equal(label.status, 201, JSON.stringify(label.body))
    assert.ok(sim.appStatePushes(phoneOf(3)).some((push) => push.index[0] === 'label_edit' && push.action.labelEditAction?.name === 'Cluster VIP'))
    assert.deepEqual((await api(third).get('/api/sessions/s03/labels')).body.labels.map((l: { name: string }) => l.name), ['Cluster VIP'])

    const status = await api(third).post('/api/sessions/s03/status', { audience: [CONTACT], message: 'status through another node' })
    assert.equal(status.status, 200, JSON.stringify(status.body))
    assert.deepEqual((await sim.waitForMessage((m) => m.id === status.body.messageId)).decryptedBy, [CONTACT])

    const channel = await api(other).post('/api/sessions/s03/channels', { name: 'Cluster channel' })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
    assert.equal(sim.channelOf(channel.body.channel.jid)?.owner, phoneOf(3))
    assert.deepEqual((await api(third).get('/api/sessions/s03/channels')).body.channels.map((c: { jid: string }) => c.jid), [channel.body.channel.jid])
  })

  it('serves MCP tools with a session key through a node that does not run the session (the key issued through a third)', async () => {
    const owner = (await cluster()).find((node) => node.sessions.includes('s04'))!.nodeId
    const [other, third] = liveNodes().filter((id) => id !== owner) as [string, string]
    const key = (await api(third).put('/api/sessions/s04/api-key', {})).body.apiKey as string
    const agent = new Client({ name: 'cluster-agent', version: '1.0.0' })
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${nodes.get(other)!.baseUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }))
    after(() => agent.close())
    const text = (result: unknown): string => (result as { content: Array<{ text: string }> }).content[0]!.text
    const listed = JSON.parse(text(await agent.callTool({ name: 'list_sessions', arguments: {} }))) as Array<{ deviceId: string; connectionState: string }>
    assert.deepEqual(listed.map((session) => [session.deviceId, session.connectionState]), [['s04', 'connected']])
    const sent = JSON.parse(text(await agent.callTool({ name: 'send_message', arguments: { to: CONTACT, text: 'an agent through another node' } }))) as { messageId: string }
    assert.equal((await sim.waitForMessage((m) => m.id === sent.messageId)).from, phoneOf(4))
    const checked = JSON.parse(text(await agent.callTool({ name: 'check_numbers', arguments: { numbers: [CONTACT] } }))) as Array<{ exists: boolean }>
    assert.deepEqual(checked.map((result) => result.exists), [true])
  })

  it('takes a killed node\'s sessions over within 30 s, without a QR, never two sockets, each queued message sent once', async () => {
    const victim = (await cluster()).find((node) => node.nodeId !== 'node-1' && node.sessions.length > 0)!
    const survivor = liveNodes().find((id) => id !== victim.nodeId)!
    const queue = async (text: string, deviceId: string): Promise<string> => {
      const accepted = await api(survivor).post('/api/messages/send', { deviceId, number: CONTACT, message: text, queue: true })
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
      return accepted.body.messageId as string
    }
    const texts: string[] = []
    const ids: string[] = []
    for (const deviceId of victim.sessions) {
      for (const n of [1, 2]) {
        texts.push(`before the crash ${deviceId} ${n}`)
        ids.push(await queue(texts.at(-1)!, deviceId))
      }
    }
    const killedAt = Date.now()
    await nodes.get(victim.nodeId)!.stop('SIGKILL')
    const deadAt = Date.now()
    for (const deviceId of victim.sessions) {
      texts.push(`during the outage ${deviceId}`)
      ids.push(await queue(texts.at(-1)!, deviceId))
    }
    // Before its leases run out, the others stop believing what the dead node published: a node is
    // silent a heartbeat before its lease ends (15 s), and a survivor sees it on its next heartbeat
    // (3 s); the rest is room for a loaded machine.
    // A session counts once it is shown down, or already being (or been) taken over by a live node:
    // takeovers may start on the very heartbeat that noticed the death, before a poll sees the rest.
    const seenDown = new Set<string>()
    await waitFor(async () => {
      const [current, view] = await Promise.all([states(survivor), cluster(survivor)])
      for (const deviceId of victim.sessions) {
        const state = current.get(deviceId)
        const takenOver = view.some((node) => node.alive && node.nodeId !== victim.nodeId && node.sessions.includes(deviceId))
        if (state === 'reconnecting' || (takenOver && state !== undefined)) seenDown.add(deviceId)
      }
      return seenDown.size === victim.sessions.length
    }, { timeoutMs: 25_000, intervalMs: 250, what: 'the dead node\'s sessions shown as reconnecting or taken over' })

    await waitFor(async () => {
      const view = await cluster(survivor)
      const current = await states(survivor)
      return victim.sessions.every((deviceId) =>
        current.get(deviceId) === 'connected' && view.some((node) => node.alive && node.nodeId !== victim.nodeId && node.sessions.includes(deviceId)))
    }, { timeoutMs: 30_000 - (Date.now() - killedAt), intervalMs: 250, what: 'the killed node\'s sessions connected on the others' })
    assert.equal((await cluster(survivor)).find((node) => node.nodeId === victim.nodeId)?.alive, false)

    await waitFor(() => {
      const arrived = new Set(sim.received().map((m) => m.text))
      const missing = texts.filter((text) => !arrived.has(text))
      if (missing.length > 0) throw new Error(`not arrived yet: ${JSON.stringify(missing)}`)
      return true
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'every queued message at the recipient' })
    const statuses = await Promise.all(ids.map(async (id) => (await api(survivor).get(`/api/messages/${id}`)).body.status as string))
    assert.ok(statuses.every((status) => ['sent', 'delivered', 'read'].includes(status)), JSON.stringify(statuses))
    const received = sim.received()
    for (const text of texts) assert.equal(received.filter((m) => m.text === text).length, 1, `"${text}" arrived once`)

    // Webhook deliveries are shared out by all nodes, each sent once; the messages sent after the takeover are reported.
    const afterTakeover = ids.slice(-victim.sessions.length)
    await waitFor(() => afterTakeover.every((id) =>
      receiver.accepted.some((r) => r.event.type === 'message.status' && r.event.data.messageId === id && ['sent', 'delivered', 'read'].includes(r.event.data.status))),
    { timeoutMs: 15_000, what: 'webhook status events of the messages sent after the takeover' })
    // At least once across the crash: only a delivery the dead node had made, but not yet recorded, may come again.
    const firstSeen = new Map<string, number>()
    for (const request of receiver.accepted) {
      const first = firstSeen.get(request.event.id)
      if (first === undefined) firstSeen.set(request.event.id, request.at)
      // A request the dead node wrote just before dying may reach the receiver a moment later.
      else assert.ok(first <= deadAt + 500, `event ${request.event.id} (${request.event.type}) delivered twice, first after the kill`)
    }
    assert.equal(sim.pendingQrs().length, 0)
    noSessionEverHadTwoSockets()
  })

  it('gives a joining node its fair share through orderly hand-overs', async () => {
    await start('node-4')
    const view = await waitFor(async () => {
      const balance = await balanced(SESSIONS + 1)
      return balance && balance.some((node) => node.nodeId === 'node-4') && balance
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'sessions rebalanced over the new node' })
    const fair = (SESSIONS + 1) / view.length
    assert.ok(view.find((node) => node.nodeId === 'node-4')!.sessions.length >= Math.floor(fair))
    assert.equal(sim.pendingQrs().length, 0)
    noSessionEverHadTwoSockets()
  })
})
