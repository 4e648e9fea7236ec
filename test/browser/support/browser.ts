import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'
import chromium from '@sparticuz/chromium'
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core'

/**
 * Where screenshots go: the README's own (docs/screenshots) when UPDATE_SCREENSHOTS=1, else
 * test-results/screenshots, so an ordinary test run leaves the tracked files alone.
 */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../../docs/screenshots/' : '../../../test-results/screenshots/', import.meta.url),
)

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

/**
 * What @sparticuz/chromium unpacks into the temporary directory, and reuses whenever it exists: a run
 * stopped while it unpacked (a Ctrl-C, a killed CI job) leaves a broken binary that every later
 * run would try to launch.
 */
const UNPACKED = ['chromium', 'fonts', 'al2023', 'libGLESv2.so'].map((name) => join(tmpdir(), name))

/** A headless Chromium (the self-contained build from @sparticuz/chromium: nothing to download), closed after the test file. */
export async function launchBrowser(): Promise<Browser> {
  const launch = async (): Promise<Browser> => playwright.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: [...chromium.args, '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  let browser: Browser
  try {
    browser = await launch()
  } catch (error) {
    if (!UNPACKED.some((path) => existsSync(path))) throw error
    // Unpacked anew once; a browser that still does not start fails the test.
    for (const path of UNPACKED) rmSync(path, { recursive: true, force: true })
    browser = await launch()
  }
  after(() => browser.close())
  return browser
}

export interface WatchedPage {
  context: BrowserContext
  page: Page
  /** alert/confirm/prompt dialogs the page opened (an injected script would show up here). */
  dialogs: string[]
  /** Uncaught exceptions, console errors and Content-Security-Policy violations. */
  problems: string[]
}

/** A page in a fresh context that records anything a healthy dashboard never does. */
export async function openPage(browser: Browser, baseUrl: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: baseUrl })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl })
  const page = await context.newPage()
  const dialogs: string[] = []
  const problems: string[] = []
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    // A failed request is logged by Chromium too; the tests that stop the server expect those.
    if (!/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|net::ERR/.test(text)) problems.push(`console: ${text}`)
  })
  return { context, page, dialogs, problems }
}

/** A watched page signed in to the dashboard with the admin key, its live stream up. */
export async function openSignedIn(browser: Browser, baseUrl: string, adminKey: string): Promise<WatchedPage> {
  const watched = await openPage(browser, baseUrl)
  await watched.page.goto('/')
  await watched.page.getByLabel('Admin key').fill(adminKey)
  await watched.page.getByRole('button', { name: 'Sign in' }).click()
  await watched.page.locator('#live-indicator', { hasText: 'Live' }).waitFor()
  return watched
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  // Toasts from earlier steps would cover the screen being documented. (Not the screenshot's
  // `style` option: that injects an inline style, which the page's CSP rightly blocks.)
  await page.evaluate("document.getElementById('toasts').replaceChildren()")
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, animations: 'disabled', caret: 'hide' })
}
