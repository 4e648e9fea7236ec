import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after } from 'node:test'
import { createMediaTls } from '../../sim/media-tls.js'

export interface HttpsFileServer {
  /** https://127.0.0.1:PORT */
  origin: string
  caPem: string
}

/** An HTTPS server on loopback with its own throwaway CA, serving fixed files by path. */
export async function startHttpsFileServer(files: Record<string, { data: Buffer; contentType: string }>): Promise<HttpsFileServer> {
  const tls = createMediaTls('Test file server CA (testing only)')
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    const file = files[request.url ?? '']
    if (!file) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': file.contentType, 'content-length': file.data.length }).end(file.data)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caPem: tls.caPem }
}
