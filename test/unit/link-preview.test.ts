import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildLinkPreview, parsePreview } from '../../src/messaging/link-preview.js'
import type { SafeFetcher } from '../../src/security/safe-fetch.js'

describe('parsePreview', () => {
  it('prefers Open Graph tags in either attribute order', () => {
    const html = `<html><head><title>Plain</title>
      <meta content="OG &amp; Title" property="og:title"><meta property="og:description" content="About it"></head></html>`
    assert.deepEqual(parsePreview(html), { title: 'OG & Title', description: 'About it' })
  })
  it('falls back to <title> and the description meta', () => {
    assert.deepEqual(parsePreview('<title> Hello </title><meta name="description" content="Desc">'), { title: 'Hello', description: 'Desc' })
  })
  it('gives nothing for a page without a title', () => assert.equal(parsePreview('<p>no title</p>'), undefined))
})

describe('buildLinkPreview', () => {
  const page = (html: string, contentType = 'text/html') =>
    ({ fetch: async () => ({ data: Buffer.from(html), contentType, finalUrl: 'https://example.com/final' }) }) as unknown as SafeFetcher
  it('previews the first https link', async () => {
    assert.deepEqual(await buildLinkPreview('see https://example.com/a and more', page('<title>Example</title>')), {
      url: 'https://example.com/final', matchedText: 'https://example.com/a', title: 'Example',
    })
  })
  it('gives nothing without a link, for non-HTML, or when the fetch fails', async () => {
    assert.equal(await buildLinkPreview('no link here', page('<title>x</title>')), undefined)
    assert.equal(await buildLinkPreview('http://example.com is not https', page('<title>x</title>')), undefined)
    assert.equal(await buildLinkPreview('https://example.com/file.png', page('png', 'image/png')), undefined)
    const failing = { fetch: async () => { throw new Error('refused') } } as unknown as SafeFetcher
    assert.equal(await buildLinkPreview('https://example.com', failing), undefined)
  })
})
