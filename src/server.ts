// First, before anything loads Baileys: see the module.
import './whatsapp/protobuf-oneof.js'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { ConfigError, type Config } from './config.js'
import { EventBus } from './events/event-bus.js'
import { startEventFeed } from './events/event-feed.js'
import { LiveStream } from './events/live-stream.js'
import { DeliveryDispatcher } from './events/delivery-dispatcher.js'
import { wantsEventType } from './events/envelope.js'
import { eventDestinations } from './events/destinations.js'
import { configuredTransports } from './events/transports/configured-transports.js'
import { WebhookRegistry } from './events/webhook-registry.js'
import { buildApp, type RouteEntry, WHATSAPP_PICTURE_HOSTS } from './http/app.js'
import { ConversationService } from './messaging/conversations.js'
import { Inbox } from './messaging/inbox.js'
import { SentContents } from './messaging/sent-contents.js'
import { followDeviceSentStatuses } from './messaging/device-sent-status.js'
import { startInboundRecorder } from './messaging/inbound-recorder.js'
import { startHistoryRecorder } from './messaging/history-recorder.js'
import { ChatActionService } from './messaging/chat-actions.js'
import { ChatLedger } from './messaging/chat-ledger.js'
import { forwardSource } from './messaging/forward-source.js'
import { ContactDirectory } from './people/contact-directory.js'
import { ProfileService } from './people/profile-service.js'
import { CallService } from './calls/call-service.js'
import { LabelService } from './labels/label-service.js'
import { StatusService } from './status/status-service.js'
import { keptMedia } from './media/kept-media.js'
import { ChannelService } from './channels/channel-service.js'
import { recordGroupNames } from './groups/group-names.js'
import { GroupService } from './groups/group-service.js'
import { Directory } from './messaging/directory.js'
import { buildLinkPreview } from './messaging/link-preview.js'
import { MediaResolver } from './messaging/media-resolver.js'
import { MessageService } from './messaging/message-service.js'
import { Outbox } from './messaging/outbox.js'
import { SendPacer } from './messaging/send-pacer.js'
import { resolveAdminKey } from './security/admin-key.js'
import { DashboardSessions } from './security/dashboard-sessions.js'
import { SafeFetcher } from './security/safe-fetch.js'
import { SessionKeys } from './sessions/session-keys.js'
import { SessionManager } from './sessions/session-manager.js'
import type { WhatsAppConnector } from './sessions/whatsapp-port.js'
import { createMetrics } from './observability/metrics.js'
import type { AuthStateRepository, MessageRepository, Store } from './store/ports.js'
import { createPool } from './store/postgres/pool.js'
import { openPostgresStore } from './store/postgres/postgres-store.js'
import { openSqliteStore } from './store/sqlite/sqlite-store.js'
import { verifyDataEncryption } from './store/data-encryption.js'
import { withSealedSecrets } from './store/encrypted-store.js'
import { Cluster } from './cluster/cluster.js'
import { LeaseBook } from './cluster/lease-book.js'
import { LOCAL_ROUTING } from './http/session-routing.js'
import type { ClusterView } from './http/routes/cluster.js'
import { startRetentionSweeper } from './store/retention-sweeper.js'
import { SessionCatalog } from './store/session-catalog.js'
import { createBaileysConnector } from './whatsapp/baileys-connector.js'
import { resolveWaVersion } from './whatsapp/wa-version.js'

export interface ServerOptions {
  config: Config
  logger: Logger
  /** Receives a generated admin key, the one time it exists in clear. */
  announceAdminKey: (key: string) => void
  /** Replaces the Baileys connector (in-process HTTP tests only). */
  connector?: (stores: ConnectorStores) => WhatsAppConnector
}

export interface ConnectorStores {
  authStates: AuthStateRepository
  messages: MessageRepository
  sentContents: SentContents
}

export interface Server {
  app: FastifyInstance
  routes: RouteEntry[]
  sessions: SessionManager
  /** Restores sessions and resumes the outbox; call once the HTTP server listens. */
  resume(): Promise<void>
  /** Closes sockets (without logging out), the HTTP server and the database; later calls wait for the first. */
  close(): Promise<void>
}

/** Wires config -> store -> WhatsApp adapter -> sessions -> messaging -> HTTP. */
export async function createServer({ config, logger, announceAdminKey, connector }: ServerOptions): Promise<Server> {
  const { store, cluster } = await openStorage(config, logger)
  const sessionRepository = await SessionCatalog.load(store.sessions, (deviceId) => cluster?.notify({ kind: 'session', deviceId }))
  const stores: ConnectorStores = { authStates: store.authStates, messages: store.messages, sentContents: new SentContents(store.messages) }
  const adminKey = await resolveAdminKey(config.adminApiKey, store.settings, announceAdminKey)
  const bus = new EventBus((error, event) => logger.error({ err: error, event }, 'event listener failed'))
  const whatsapp = connector ? connector(stores) : await createRealConnector(config, logger, stores)

  const sessions = new SessionManager({
    sessions: sessionRepository,
    connector: whatsapp,
    reconnect: config.reconnect,
    restoreConcurrency: config.restoreConcurrency,
    connectRatePerSecond: config.connectRatePerSecond,
    bus,
    logger: logger.child({ module: 'sessions' }),
    placement: cluster?.node,
    settingsDefaults: { proxyUrl: config.whatsapp.proxyUrl, deviceName: config.whatsapp.deviceName },
  })
  const directory = new Directory(sessions, config.numberCheckCacheTtlMs)
  const outbox = new Outbox({
    messages: stores.messages,
    sentContents: stores.sentContents,
    sessions: sessionRepository,
    manager: sessions,
    bus,
    pacer: new SendPacer(config.sendRateBurst),
    defaultRatePerMinute: config.sendRatePerMinute,
    ackTimeoutMs: config.sendTimeoutMs,
    logger: logger.child({ module: 'outbox' }),
    newMessageId: () => whatsapp.newMessageId(),
    recipientExists: (deviceId, jid) => directory.isOnWhatsApp(deviceId, jid),
    onQueued: cluster && ((deviceId) => {
      if (!cluster.node.holds(deviceId)) cluster.notify({ kind: 'outbox', deviceId })
    }),
    onOtherStatus: followDeviceSentStatuses(store.inbound, bus),
  })
  const fetcher = new SafeFetcher({
    allowPrivate: config.allowPrivateUrls,
    timeoutMs: config.media.fetchTimeoutMs,
    maxBytes: config.media.maxBytes,
  })
  if (config.webhook.global) {
    try {
      fetcher.validate(config.webhook.global.url, { allowHttp: true })
    } catch (error) {
      throw new ConfigError('WEBHOOK_URL', `a URL the server may call: ${(error as Error).message} (ALLOW_PRIVATE_URLS=true permits private addresses and http)`, config.webhook.global.url)
    }
  }

  const { inbound, deliveries, dashboardLogins } = store
  const registry = new WebhookRegistry(store.webhooks, sessionRepository, fetcher, config.webhook.global, (deviceId) =>
    cluster?.notify({ kind: 'webhooks', deviceId }), cluster ? config.cluster.leaseTtlMs : undefined)
  const transports = await configuredTransports(config.events)
  const destinations = eventDestinations(registry, fetcher, config.webhook.timeoutMs, transports, config.events.retryForMs, logger.child({ module: 'events' }))
  const dispatcher = new DeliveryDispatcher({
    deliveries,
    bus,
    destination: destinations.destination,
    concurrency: config.webhook.concurrency,
    retryBaseMs: config.webhook.retryBaseMs,
    maxRetryDelayMs: config.webhook.maxRetryDelayMs,
    retryForMs: config.webhook.retryForMs,
    logger: logger.child({ module: 'webhooks' }),
  })
  const live = new LiveStream()
  const liveOutlet = cluster ? cluster.attach({ catalog: sessionRepository, sessions, outbox, registry, live }) : live
  const metrics = createMetrics(bus, sessions, cluster && config.nodeId, {
    transportIds: transports.map((transport) => transport.id),
    pendingCounts: () => deliveries.pendingCounts(),
  })
  const media = await keptMedia(
    config, store.keptMedia, (deviceId, raw) => sessions.liveConnection(deviceId)?.downloadMedia(raw).then(({ stream }) => stream), bus, logger.child({ module: 'media' }),
  )
  const chatLedger = new ChatLedger(store.chats, inbound, bus)
  const conversations = new ConversationService(sessions, inbound, store.contacts)
  const eventFeed = startEventFeed({
    bus, registry, deliveries, dispatcher, live: liveOutlet,
    transportsFor: (type) => (wantsEventType(config.events.types, type) ? transports.map((transport) => transport.id) : []),
    metadataOf: (deviceId) => sessionRepository.get(deviceId)?.behaviour.metadata,
    logger: logger.child({ module: 'events' }),
  })
  const stopJobs = [
    eventFeed.stop,
    conversations.renewPresenceSubscriptions(bus, logger.child({ module: 'presence' })),
    conversations.readAutomatically(bus, logger.child({ module: 'auto-read' })),
    startInboundRecorder(bus, eventFeed, inbound, stores.messages, logger.child({ module: 'inbox' }), media.keeper),
    media.stop,
    startHistoryRecorder(bus, { inbound, chats: store.chats, contacts: store.contacts }, logger.child({ module: 'history' })),
    chatLedger.listen(logger.child({ module: 'chats' })),
    recordGroupNames(bus, store.chats, logger.child({ module: 'groups' })),
    bus.subscribe('session.deleted', ({ deviceId }) => registry.forgetSession(deviceId)),
  ]
  const mediaResolver = new MediaResolver(fetcher, config.media.maxBytes)
  const messages = new MessageService(
    sessions,
    outbox,
    stores.messages,
    { media: mediaResolver, preview: (text) => buildLinkPreview(text, fetcher) },
    config.sendTimeoutMs,
    forwardSource(inbound, stores.messages),
  )
  const calls = new CallService(sessions, (request) => messages.send(request))
  stopJobs.push(calls.rejectAutomatically(bus, logger.child({ module: 'calls' })))
  const labels = new LabelService(sessions, store.labels, bus, logger.child({ module: 'labels' }))
  stopJobs.push(labels.listen())
  const { app, routes } = await buildApp({
    pictureHosts: [...WHATSAPP_PICTURE_HOSTS, ...(config.whatsapp.mediaHost ? [`https://${config.whatsapp.mediaHost}`] : [])],
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    maxMediaBytes: config.media.maxBytes,
    http: config.http,
    metrics: metrics.registry,
    databaseReachable: () => store.isReachable(),
    transports: () => Object.fromEntries(destinations.health),
    sessions,
    keys: new SessionKeys(sessionRepository, store.scopedKeys, cluster !== undefined),
    messages,
    directory,
    inbox: new Inbox(inbound, stores.messages, store.chats, sessions, media.files),
    conversations,
    chatActions: new ChatActionService(sessions, store.chats, inbound, stores.messages, chatLedger),
    contacts: new ContactDirectory(sessions, store.contacts),
    profiles: new ProfileService(sessions, mediaResolver),
    calls,
    groups: new GroupService(sessions, mediaResolver),
    labels,
    status: new StatusService(messages, store.contacts, stores.messages),
    channels: new ChannelService(sessions),
    webhooks: { registry, deliveries, dispatcher },
    live,
    adminKey,
    dashboardLogins: new DashboardSessions(dashboardLogins, config.http.dashboardSessionTtlMs),
    routing: cluster?.routing ?? LOCAL_ROUTING,
    cluster: cluster?.view ?? singleNodeView(config, () => app, sessions),
  })

  let closing: Promise<void> | undefined
  return {
    app,
    routes,
    sessions,
    resume: async () => {
      stopJobs.push(startRetentionSweeper(
        inbound, deliveries, dashboardLogins, media.files, config.inboundRetentionDays, logger.child({ module: 'retention' }),
      ))
      dispatcher.start()
      if (cluster) {
        await cluster.start(advertisedUrl(config, app))
        return
      }
      await outbox.resume()
      await sessions.restore()
    },
    close: () => {
      closing ??= (async () => {
        await cluster?.stop().catch((error: unknown) => logger.warn({ err: error }, 'could not hand sessions over on shutdown'))
        await sessions.shutdown()
        outbox.close()
        dispatcher.stop()
        await Promise.all(transports.map((transport) => transport.close().catch(() => undefined)))
        metrics.stop()
        for (const stop of stopJobs) stop()
        await app.close()
        await fetcher.close()
        await store.close()
      })()
      return closing
    },
  }
}

/** Heartbeats, lease renewals, published states and notices. */
const CLUSTER_POOL_SIZE = 3

/** PostgreSQL with the cluster's parts when DATABASE_URL is set, else the embedded SQLite file. */
async function openStorage(config: Config, logger: Logger): Promise<{ store: Store; cluster: Cluster | undefined }> {
  if (!config.database.url) {
    const onCheckpointError = (message: string): void => logger.warn({ module: 'storage', error: message }, 'SQLite WAL checkpoint failed')
    return { store: await withDataEncryption(openSqliteStore(config.dataDir, onCheckpointError), config), cluster: undefined }
  }
  const leases = new LeaseBook(config.nodeId)
  const store = await openPostgresStore({ url: config.database.url, nodeId: config.nodeId, poolSize: config.database.poolSize, queryTimeoutMs: config.database.queryTimeoutMs, fence: leases })
  const sealed = await withDataEncryption(store, config)
  // Connections of its own: lease renewals must not queue behind a burst of key writes.
  return { store: sealed, cluster: new Cluster(config, createPool(config.database.url, CLUSTER_POOL_SIZE, config.database.queryTimeoutMs), leases, logger.child({ module: 'cluster' })) }
}

/** The store with its secrets sealed when DATA_ENCRYPTION_KEY is set; a key that does not fit the database stops the start. */
async function withDataEncryption(store: Store, config: Config): Promise<Store> {
  try {
    await verifyDataEncryption(store, config.dataEncryption)
  } catch (error) {
    await store.close()
    throw error
  }
  return config.dataEncryption ? withSealedSecrets(store, config.dataEncryption) : store
}

/** CLUSTER_ADVERTISE_URL, else this host and the port the server listens on. */
function advertisedUrl(config: Config, app: FastifyInstance): string {
  if (config.cluster.advertiseUrl) return config.cluster.advertiseUrl
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** GET /api/cluster on a single node: this node, running every session. */
function singleNodeView(config: Config, app: () => FastifyInstance, sessions: SessionManager): ClusterView {
  const startedAt = Date.now()
  return {
    mode: 'single',
    nodes: async () => [{
      nodeId: config.nodeId,
      url: advertisedUrl(config, app()),
      startedAt,
      heartbeatAt: Date.now(),
      alive: true,
      self: true,
      sessions: sessions.list().map((session) => session.deviceId),
    }],
  }
}

async function createRealConnector(config: Config, logger: Logger, stores: ConnectorStores): Promise<WhatsAppConnector> {
  if (config.whatsapp.url || config.whatsapp.rootKey || config.whatsapp.mediaHost) {
    logger.warn(
      { url: config.whatsapp.url, mediaHost: config.whatsapp.mediaHost },
      'WHATSAPP_URL/WHATSAPP_ROOT_KEY/WHATSAPP_MEDIA_HOST are set: connecting to a non-WhatsApp endpoint (tests and demos only)',
    )
  }
  return createBaileysConnector({
    authStates: stores.authStates,
    version: await resolveWaVersion(config.whatsapp.version, config.whatsapp.versionLookupTimeoutMs, logger),
    logger,
    url: config.whatsapp.url,
    rootKey: config.whatsapp.rootKey,
    qrTimeoutMs: config.whatsapp.qrTimeoutMs,
    connectTimeoutMs: config.whatsapp.connectTimeoutMs,
    queryTimeoutMs: config.sendTimeoutMs,
    sentMessage: (deviceId, messageId) => stores.sentContents.get(deviceId, messageId),
    keyCacheBytes: config.keyCacheBytes,
    historySync: config.historySync,
    mediaHost: config.whatsapp.mediaHost,
  })
}
