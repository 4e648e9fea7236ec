import { isIP } from 'node:net'
import { Agent, buildConnector } from 'undici'

/** Where Baileys fetches history sync and app-state blobs, whatever media hosts WhatsApp hands out. */
const WHATSAPP_MEDIA_HOST = 'mmg.whatsapp.net'

/**
 * A fetch dispatcher that sends WhatsApp's fixed media host to another `host:port` (a simulator's
 * media host: tests and demos only); other hosts are reached as usual. TLS still checks the
 * certificate, against the name of the host actually reached.
 */
export function mediaHostDispatcher(hostPort: string): Agent {
  const url = new URL(`https://${hostPort}`)
  const connect = buildConnector({})
  return new Agent({
    connect: (options, callback) =>
      connect(
        options.hostname === WHATSAPP_MEDIA_HOST
          ? { ...options, hostname: url.hostname, host: url.host, port: url.port || '443', servername: isIP(url.hostname) ? undefined : url.hostname }
          : options,
        callback,
      ),
  })
}
