import type { SafeFetcher } from '../security/safe-fetch.js'

export interface LinkPreview {
  url: string
  /** The link as it appears in the text. */
  matchedText: string
  title: string
  description?: string
}

const LINK = /https:\/\/[^\s<>"']+/i

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, name: string) => ENTITIES[name] ?? '')
}

/** The content of <meta property|name="key" content="..."> in either attribute order. */
function meta(html: string, key: string): string | undefined {
  const escaped = key.replace(/[.:]/g, '\\$&')
  const patterns = [
    new RegExp(`<meta[^>]+(?:property|name)=["']${escaped}["'][^>]*content=["']([^"']*)["']`, 'i'),
    new RegExp(`<meta[^>]+content=["']([^"']*)["'][^>]*(?:property|name)=["']${escaped}["']`, 'i'),
  ]
  for (const pattern of patterns) {
    const value = pattern.exec(html)?.[1]
    if (value) return decodeEntities(value).trim()
  }
  return undefined
}

/** Title and description of a page, from Open Graph tags or <title>; undefined when there is none. */
export function parsePreview(html: string): { title: string; description?: string } | undefined {
  const title = meta(html, 'og:title') ?? decodeEntities(/<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1] ?? '').trim()
  if (!title) return undefined
  const description = meta(html, 'og:description') ?? meta(html, 'description')
  return { title: title.slice(0, 300), ...(description ? { description: description.slice(0, 1000) } : {}) }
}

/**
 * Builds the preview of the first https link in a text, through the same guarded fetcher as media.
 * A page that cannot be fetched or has no title gives no preview; the message is sent without one.
 */
export async function buildLinkPreview(text: string, fetcher: SafeFetcher): Promise<LinkPreview | undefined> {
  const matchedText = LINK.exec(text)?.[0]
  if (!matchedText) return undefined
  try {
    const page = await fetcher.fetch(matchedText)
    if (page.contentType !== undefined && page.contentType !== 'text/html') return undefined
    const parsed = parsePreview(page.data.toString('utf8'))
    return parsed && { url: page.finalUrl, matchedText, ...parsed }
  } catch {
    return undefined
  }
}
