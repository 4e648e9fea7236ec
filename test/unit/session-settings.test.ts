import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chatKind, isIgnoredChat } from '../../src/messaging/chat-kind.js'
import { behaviourChange, maskProxyUrl, parseProxyUrl } from '../../src/sessions/session-settings.js'

describe('proxy URLs', () => {
  it('normalizes http, https and socks5 URLs, adding the default port', () => {
    const table: Array<[string, string]> = [
      ['http://proxy.example.com', 'http://proxy.example.com:80'],
      ['https://u:p@proxy.example.com', 'https://u:p@proxy.example.com:443'],
      ['socks5://user:p%40ss@10.0.0.1:1081/', 'socks5://user:p%40ss@10.0.0.1:1081'],
      ['SOCKS5://[::1]', 'socks5://[::1]:1080'],
      ['http://only-user@proxy:3128', 'http://only-user@proxy:3128'],
    ]
    for (const [input, normalized] of table) assert.equal(parseProxyUrl(input), normalized, input)
  })

  it('refuses other protocols, paths, queries and a password without a user', () => {
    const table: Array<[string, RegExp]> = [
      ['socks4://proxy:1080', /http, https or socks5/],
      ['ftp://proxy', /http, https or socks5/],
      ['proxy.example.com:3128', /http, https or socks5|must be a URL/],
      ['', /must be a URL/],
      ['http://proxy:3128/path', /no path/],
      ['http://proxy:3128?x=1', /no path/],
      ['http://:secret@proxy:3128', /password without a user/],
    ]
    for (const [input, message] of table) assert.throws(() => parseProxyUrl(input), message, input)
  })

  it('masks the password (or a user name that comes alone) and keeps the rest', () => {
    assert.equal(maskProxyUrl('socks5://user:secret@10.0.0.1:1080'), 'socks5://user:***@10.0.0.1:1080')
    assert.equal(maskProxyUrl('http://proxy:3128'), 'http://proxy:3128')
    assert.equal(maskProxyUrl('http://token-abc123@proxy:3128'), 'http://***@proxy:3128', 'a user name alone is the credential')
    assert.equal(maskProxyUrl('https://u:p%40ss@[::1]:443'), 'https://u:***@[::1]:443')
  })
})

describe('behaviour changes', () => {
  it('fills ignore with the kinds left out, trims names, passes null through as a reset', () => {
    assert.deepEqual(behaviourChange({ ignore: { status: true }, deviceName: '  Desk ', autoRead: null }), {
      ignore: { groups: false, status: true, channels: false, broadcast: false }, deviceName: 'Desk', autoRead: null,
    })
    assert.deepEqual(behaviourChange({ sendRatePerMinute: 5 }), {})
  })

  it('refuses metadata over 4 KB and names that are empty, long or hold control characters', () => {
    assert.throws(() => behaviourChange({ metadata: { text: 'é'.repeat(2100) } }), /4096/)
    for (const deviceName of ['', '   ', 'x'.repeat(51), 'a\u0000b']) assert.throws(() => behaviourChange({ deviceName }), /deviceName/)
  })
})

describe('chat kinds', () => {
  it('tells people, groups, status, channels and broadcast lists apart', () => {
    const table: Array<[string, string]> = [
      ['15550001111@s.whatsapp.net', 'person'], ['123456789@lid', 'person'], ['120363012345678901@g.us', 'group'],
      ['status@broadcast', 'status'], ['120363098765432101@newsletter', 'channel'], ['1234567890@broadcast', 'broadcast'],
    ]
    for (const [jid, kind] of table) assert.equal(chatKind(jid), kind, jid)
    const ignore = { groups: true, status: false, channels: true, broadcast: false }
    assert.deepEqual(table.map(([jid]) => isIgnoredChat(jid, ignore)), [false, false, true, false, true, false])
  })
})
