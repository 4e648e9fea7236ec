import type { Dispatcher } from 'undici'

/** Where Baileys fetches history sync and app-state blobs, whatever media hosts WhatsApp hands out. */
const WHATSAPP_MEDIA_HOST = 'mmg.whatsapp.net'

/**
 * A fetch interceptor that sends requests for WhatsApp's fixed media host to another `host:port`
 * (a simulator's media host: tests and demos only); other hosts are reached as usual. Composed
 * onto any dispatcher, a session's proxy included. TLS checks the certificate of the host reached.
 */
export function mediaHostInterceptor(hostPort: string): Dispatcher.DispatcherComposeInterceptor {
  const origin = `https://${hostPort}`
  return (dispatch) => (options, handler) =>
    dispatch(new URL(String(options.origin)).hostname === WHATSAPP_MEDIA_HOST ? { ...options, origin } : options, handler)
}
