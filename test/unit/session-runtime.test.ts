import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import { pino } from 'pino'
import { ConnectGate } from '../../src/sessions/connect-gate.js'
import { SessionRuntime, type RuntimeSnapshot } from '../../src/sessions/session-runtime.js'
import { WhatsAppUnreachableError } from '../../src/sessions/whatsapp-port.js'
import { FakeConnector } from '../support/fake-connector.js'

const CONNECTION_SETTINGS = { proxyUrl: null, deviceName: 'Test', markOnline: false }

/** Lets the runtime take the connection the connector resolved (credentials load asynchronously). */
const socketOpened = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function setup(reconnect = { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 3 }, gateSlots = 100) {
  const connector = new FakeConnector()
  const states: string[] = []
  const stoppedItself: string[] = []
  const runtime = new SessionRuntime('dev1', {
    connector,
    gate: new ConnectGate(gateSlots),
    reconnect,
    logger: pino({ level: 'silent' }),
    settings: () => CONNECTION_SETTINGS,
    observer: {
      onStateChange: (_id, snapshot: RuntimeSnapshot) => states.push(snapshot.state),
      onAccount: () => undefined,
      onStoppedItself: (id) => stoppedItself.push(id),
      onMessageStatus: () => undefined,
      onMessageReceived: async () => undefined,
      onPresence: () => undefined,
      onHistory: () => undefined,
      onChatEvents: () => undefined,
      onCall: () => undefined,
      onGroupEvent: () => undefined,
      onLabelEvent: () => undefined,
      onDisconnect: () => undefined,
    },
  })
  return { connector, runtime, states, stoppedItself }
}

describe('SessionRuntime', () => {
  it('goes connecting -> qr -> connected', async () => {
    const { connector, runtime, states } = setup()
    runtime.start()
    await socketOpened()
    connector.latest('dev1').emitQr('ref-1')
    assert.equal(runtime.snapshot().qr?.code, 'ref-1')
    connector.latest('dev1').emitOpen()
    assert.deepEqual(states, ['connecting', 'qr', 'connected'])
    assert.equal(runtime.snapshot().qr, null)
    assert.equal(runtime.snapshot().account?.phoneNumber, '15550001111')
    assert.ok(runtime.liveConnection)
  })

  it('opens one socket however often start is called', () => {
    const { connector, runtime } = setup()
    runtime.start()
    runtime.start()
    connector.latest('dev1').emitOpen()
    runtime.start()
    assert.equal(connector.connections.length, 1)
  })

  it('reconnects at once on 515 (restart required after pairing)', () => {
    const { connector, runtime } = setup()
    runtime.start()
    connector.latest('dev1').emitClose(515)
    assert.equal(connector.connections.length, 2)
    assert.equal(runtime.snapshot().state, 'connecting')
  })

  it('backs off on transient codes, then gives up to failed', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      runtime.start()
      for (let attempt = 1; attempt <= 3; attempt++) {
        connector.latest('dev1').emitClose(500)
        assert.equal(runtime.snapshot().state, 'reconnecting')
        assert.equal(connector.connections.length, attempt, 'no new socket before the delay')
        mock.timers.tick(8000)
        assert.equal(connector.connections.length, attempt + 1)
      }
      connector.latest('dev1').emitClose(500)
      assert.equal(runtime.snapshot().state, 'failed')
      mock.timers.tick(60_000)
      assert.equal(connector.connections.length, 4)
    } finally {
      mock.timers.reset()
    }
  })

  it('resets the attempt count after a successful open', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup({ baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 1 })
      runtime.start()
      connector.latest('dev1').emitClose(428)
      mock.timers.tick(1000)
      connector.latest('dev1').emitOpen()
      connector.latest('dev1').emitClose(428)
      assert.equal(runtime.snapshot().state, 'reconnecting')
    } finally {
      mock.timers.reset()
    }
  })

  it('wipes credentials and stays down on 401', () => {
    const { connector, runtime, stoppedItself } = setup()
    runtime.start()
    connector.latest('dev1').emitOpen()
    connector.latest('dev1').emitClose(401)
    assert.equal(runtime.snapshot().state, 'logged_out')
    assert.equal(runtime.snapshot().account, null)
    assert.deepEqual(connector.forgotten, ['dev1'])
    assert.deepEqual(stoppedItself, ['dev1'])
    assert.equal(connector.connections.length, 1)
  })

  it('waits for a new start when every QR expired', () => {
    const { connector, runtime, stoppedItself } = setup()
    runtime.start()
    connector.latest('dev1').emitQr()
    connector.latest('dev1').emitClose(408, { qrExpired: true })
    assert.equal(runtime.snapshot().state, 'disconnected')
    assert.match(runtime.snapshot().lastError ?? '', /QR code expired/)
    assert.deepEqual(stoppedItself, ['dev1'])
    runtime.start()
    assert.equal(connector.connections.length, 2)
  })

  it('reconnects once after 440 and fails on the second in a row instead of looping', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      runtime.start()
      connector.latest('dev1').emitOpen()
      connector.latest('dev1').emitClose(440)
      mock.timers.tick(8000)
      assert.equal(connector.connections.length, 2)
      connector.latest('dev1').emitClose(440)
      assert.equal(runtime.snapshot().state, 'failed')
      mock.timers.tick(60_000)
      assert.equal(connector.connections.length, 2)
    } finally {
      mock.timers.reset()
    }
  })

  it('stop ends the socket and cancels a pending retry', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      runtime.start()
      connector.latest('dev1').emitClose(503)
      runtime.stop()
      mock.timers.tick(60_000)
      assert.equal(connector.connections.length, 1)
      assert.equal(runtime.snapshot().state, 'disconnected')
    } finally {
      mock.timers.reset()
    }
  })

  it('ignores everything a stopped socket reports later', async () => {
    const { connector, runtime } = setup()
    runtime.start()
    await socketOpened()
    const old = connector.latest('dev1')
    runtime.stop()
    assert.ok(old.closed)
    runtime.start()
    old.emitOpen()
    old.emitClose(515)
    assert.equal(runtime.snapshot().state, 'connecting')
    assert.equal(connector.connections.length, 2)
    assert.equal(connector.open('dev1').length, 1)
  })

  it('start during a pending retry connects at once, with one socket', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      runtime.start()
      connector.latest('dev1').emitClose(503)
      runtime.start()
      assert.equal(connector.connections.length, 2)
      mock.timers.tick(60_000)
      assert.equal(connector.connections.length, 2)
    } finally {
      mock.timers.reset()
    }
  })

  it('closes a socket that finishes opening after the session was stopped', async () => {
    const { connector, runtime } = setup()
    runtime.start()
    runtime.stop()
    await socketOpened()
    assert.ok(connector.latest('dev1').closed)
    assert.equal(runtime.snapshot().state, 'disconnected')
    assert.equal(runtime.liveConnection, null)
  })

  it('retries later when the connection cannot even be opened (credentials unreadable)', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      connector.failNextConnect = new Error('database is down')
      runtime.start()
      await socketOpened()
      assert.equal(runtime.snapshot().state, 'reconnecting')
      assert.match(runtime.snapshot().lastError ?? '', /database is down/)
      mock.timers.tick(60_000)
      assert.equal(connector.connections.length, 1)
    } finally {
      mock.timers.reset()
    }
  })

  it('keeps retrying while WhatsApp is unreachable, however long, without counting toward giving up', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime, states } = setup()
      for (let attempt = 1; attempt <= 6; attempt++) {
        connector.failNextConnect = new WhatsAppUnreachableError('127.0.0.1:443: connect ECONNREFUSED')
        if (attempt === 1) runtime.start()
        else mock.timers.tick(60_000)
        await socketOpened()
        assert.equal(runtime.snapshot().state, 'reconnecting', `attempt ${attempt}`)
      }
      assert.match(runtime.snapshot().lastError ?? '', /WhatsApp is unreachable: 127\.0\.0\.1:443/)
      assert.ok(!states.includes('failed'), 'six unreachable attempts with maxAttempts 3 did not give up')
      mock.timers.tick(60_000)
      connector.latest('dev1').emitOpen()
      assert.equal(runtime.snapshot().state, 'connected')
    } finally {
      mock.timers.reset()
    }
  })

  it('keeps retrying while the database is down, however long, without counting toward giving up', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime, states } = setup()
      runtime.start()
      await socketOpened()
      // The socket stops for the database (503), then six attempts in a row cannot read the credentials.
      connector.latest('dev1').emitClose(503)
      for (let attempt = 1; attempt <= 6; attempt++) {
        connector.failNextConnect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
        mock.timers.tick(60_000)
        await socketOpened()
        assert.equal(runtime.snapshot().state, 'reconnecting', `attempt ${attempt}`)
      }
      assert.match(runtime.snapshot().lastError ?? '', /Could not open the connection: connect ECONNREFUSED/)
      assert.ok(!states.includes('failed'), 'seven outage closes with maxAttempts 3 did not give up')
      mock.timers.tick(60_000)
      await socketOpened()
      connector.latest('dev1').emitOpen()
      assert.equal(runtime.snapshot().state, 'connected')
    } finally {
      mock.timers.reset()
    }
  })

  it('logout unlinks a connected session and wipes credentials', async () => {
    const { connector, runtime } = setup()
    runtime.start()
    await socketOpened()
    connector.latest('dev1').emitOpen()
    await runtime.logout()
    assert.ok(connector.latest('dev1').loggedOut)
    assert.deepEqual(connector.forgotten, ['dev1'])
    assert.equal(runtime.snapshot().state, 'logged_out')
    assert.equal(runtime.liveConnection, null)
  })

  it('logout of a session still showing a QR closes its socket', async () => {
    const { connector, runtime } = setup()
    runtime.start()
    connector.latest('dev1').emitQr()
    await runtime.logout()
    assert.ok(connector.latest('dev1').closed)
    assert.equal(connector.open('dev1').length, 0)
  })

  it('waitUntilSettled resolves on the next settled state', async () => {
    const { connector, runtime } = setup()
    runtime.start()
    const settled = runtime.waitUntilSettled(10_000)
    connector.latest('dev1').emitQr()
    await settled
    assert.equal(runtime.snapshot().state, 'qr')
  })
})

describe('SessionRuntime.waitUntilSettled', () => {
  it('counts a session waiting out a reconnect delay as settled, so a restore slot moves on', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { connector, runtime } = setup()
      runtime.start()
      const settled = runtime.waitUntilSettled(60_000)
      connector.latest('dev1').emitClose(503)
      await settled
      assert.equal(runtime.snapshot().state, 'reconnecting')
    } finally {
      mock.timers.reset()
    }
  })
})

describe('SessionRuntime with a shared connect gate', () => {
  it('waits for a slot, holds it only for the handshake, and gives it up when stopped while waiting', () => {
    const gate = new ConnectGate(1)
    const connector = new FakeConnector()
    const observer = {
      onStateChange: () => undefined, onAccount: () => undefined, onStoppedItself: () => undefined,
      onMessageStatus: () => undefined, onMessageReceived: async () => undefined, onPresence: () => undefined, onDisconnect: () => undefined,
      onHistory: () => undefined, onChatEvents: () => undefined, onCall: () => undefined,
      onGroupEvent: () => undefined,
      onLabelEvent: () => undefined,
    }
    const make = (id: string) => new SessionRuntime(id, {
      connector, gate, observer, logger: pino({ level: 'silent' }), settings: () => CONNECTION_SETTINGS,
      reconnect: { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 3 },
    })
    const [a, b, c] = [make('a'), make('b'), make('c')]
    a.start()
    b.start()
    c.start()
    assert.deepEqual(connector.connections.map((x) => x.deviceId), ['a'])
    assert.equal(b.snapshot().state, 'connecting')
    b.stop()
    connector.latest('a').emitOpen()
    // b gave up its place while waiting, so c is next.
    assert.deepEqual(connector.connections.map((x) => x.deviceId), ['a', 'c'])
    connector.latest('c').emitQr()
    b.start()
    assert.deepEqual(connector.connections.map((x) => x.deviceId), ['a', 'c', 'b'])
  })
})
