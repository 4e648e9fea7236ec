import { randomBytes } from 'node:crypto'
import type { BinaryNode } from '@whiskeysockets/baileys'

const MEDIA_CONN_TTL_S = 300

/** <media_conn> naming the hosts Baileys uploads media to over HTTPS. */
export function answerMediaConn(hosts: string[]): BinaryNode {
  return {
    tag: 'media_conn',
    attrs: { auth: randomBytes(16).toString('base64url'), ttl: String(MEDIA_CONN_TTL_S) },
    content: hosts.map(hostname => ({ tag: 'host', attrs: { hostname, maxContentLengthBytes: String(100 * 1024 * 1024) } }))
  }
}
