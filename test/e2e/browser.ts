import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import t, { type Test } from 'tap'

// A real Chromium (Debian's) for the browser tests, and what each page logs.

const CHROMIUM = '/usr/bin/chromium'
/** Set to a folder to keep screenshots of the pages, for a human to look at. */
const SCREENSHOTS = process.env.E2E_SCREENSHOTS

/** `url`: the page's; `source`: what the message is about (a failed load names the resource). */
export interface ConsoleError { url: string, source: string, text: string }

/**
 * Runs `tests` with a launched browser; without Chromium the file fails in CI and is skipped on a
 * laptop (every other test still runs).
 */
export function withBrowser (tests: (browser: () => Browser) => void): void {
  // Each walk through the pages takes a few seconds on a loaded machine.
  t.setTimeout(180_000)
  if (!existsSync(CHROMIUM)) {
    const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`
    if (process.env.CI) t.fail(reason)
    else t.plan(0, reason)
    return
  }
  let browser: Browser | undefined
  t.before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-quic', '--no-first-run']
    })
  })
  t.teardown(() => browser?.close())
  tests(() => browser!)
}

/** A fresh browser context (no cookies) and its page, with every console error it logs. */
export async function openPage (t: Test, browser: Browser) {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(5_000)
  const errors: ConsoleError[] = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push({ url: page.url(), source: message.location().url, text: message.text() }) })
  page.on('pageerror', (error) => { errors.push({ url: page.url(), source: page.url(), text: error.message }) })
  return { page, errors }
}

export async function screenshot (page: Page, name: string) {
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** No CSP violation, and no console error at all, on pages of this origin. */
export function noConsoleErrors (t: Test, origin: string, errors: ConsoleError[]) {
  const here = errors.filter((error) => error.url.startsWith(origin))
  t.same(here.filter((error) => /Content Security Policy/i.test(error.text)), [], `no CSP violation on ${origin}`)
  t.same(here, [], `no console error at all on ${origin}`)
}
