import { readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'

// The page is static and same-origin: no inline script or style, nothing from elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/phone.js': { file: 'phone.js', type: 'text/javascript; charset=utf-8' },
  '/phone.css': { file: 'phone.css', type: 'text/css; charset=utf-8' }
}

const cache = new Map<string, Buffer>()

/** Serves the virtual phone page's files; false when `path` is not one of them. */
export function serveVirtualPhone(path: string, res: ServerResponse): boolean {
  const asset = ASSETS[path]
  if (!asset) return false
  let body = cache.get(asset.file)
  if (!body) cache.set(asset.file, (body = readFileSync(new URL(`./virtual-phone/${asset.file}`, import.meta.url))))
  res
    .writeHead(200, {
      'content-type': asset.type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store'
    })
    .end(body)
  return true
}
