import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { AIGERIM, startStack, type Stack } from './stack.js'

// The whole sign-in in a real Chromium: the example merchant, the sandbox's login pages, back.

const CHROMIUM = '/usr/bin/chromium'
/** Set to a folder to keep screenshots of the login and consent pages, for a human to look at. */
const SCREENSHOTS = process.env.E2E_SCREENSHOTS

/** `url`: the page's; `source`: what the message is about (a failed load names the resource). */
interface ConsoleError { url: string, source: string, text: string }

/** A fresh browser context (no cookies) and its page, with every console error it logs. */
async function openPage (t: Test, browser: Browser) {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(5_000)
  const errors: ConsoleError[] = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push({ url: page.url(), source: message.location().url, text: message.text() }) })
  page.on('pageerror', (error) => { errors.push({ url: page.url(), source: page.url(), text: error.message }) })
  return { page, errors }
}

async function screenshot (page: Page, name: string) {
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** The merchant's home page, its button, and the sandbox's login page it leads to. */
async function startSignIn (t: Test, page: Page, stack: Stack) {
  await page.goto(stack.merchantUrl)
  await page.getByTestId('sign-in-with-freedom-id').click()
  await page.waitForURL(`${stack.sandbox.publicUrl}/login?**`)
  const link = new URL(page.url())
  t.match(link.searchParams.get('track_id'), /^[0-9a-f-]{36}$/)
  t.match(await page.getByTestId('sandbox-banner').innerText(), /^SANDBOX/)
  t.equal(await page.getByTestId('client-name').innerText(), 'Demo Shop')
  return link
}

function noCspViolations (t: Test, stack: Stack, errors: ConsoleError[]) {
  const onSandbox = errors.filter((error) => error.url.startsWith(stack.sandbox.publicUrl))
  t.same(onSandbox.filter((error) => /Content Security Policy/i.test(error.text)), [], 'no CSP violation on the sandbox pages')
  t.same(onSandbox, [], 'no console error at all on the sandbox pages')
}

if (!existsSync(CHROMIUM)) {
  const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`
  // CI must run them; a laptop without Chromium still gets every other test.
  if (process.env.CI) t.fail(reason)
  else t.plan(0, reason)
} else {
  let browser: Browser
  t.before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-quic', '--no-first-run']
    })
  })
  t.teardown(() => browser?.close())

  t.test('allow: typed phone and password, consent, the merchant shows the profile', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser)
    await startSignIn(t, page, stack)
    t.same(await page.getByTestId('grant-list').locator('li').allInnerTexts(), [
      'Your first name read.firstname',
      'Your last name read.lastname',
      'Your primary e-mail address read.email',
      'Your primary phone number read.phone'
    ])
    await page.getByTestId('login').fill(AIGERIM.phone)
    await page.getByTestId('password').fill(AIGERIM.password)
    await screenshot(page, 'login')
    await page.getByTestId('sign-in').click()

    await page.waitForURL(`${stack.sandbox.publicUrl}/login/consent?**`)
    t.equal(await page.getByTestId('signed-in-as').innerText(), AIGERIM.name)
    t.equal(await page.getByTestId('client-name').innerText(), 'Demo Shop')
    await screenshot(page, 'consent')
    await page.getByTestId('allow').click()

    await page.waitForURL(`${stack.merchantUrl}/profile`)
    t.equal(await page.getByTestId('profile-name').innerText(), AIGERIM.name)
    t.equal(await page.getByTestId('profile-email').innerText(), AIGERIM.email)
    t.equal(await page.getByTestId('profile-phone').innerText(), AIGERIM.phone)
    noCspViolations(t, stack, errors)
  })

  t.test('deny: a persona button, Deny, the merchant shows the cancellation', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser)
    await startSignIn(t, page, stack)
    await page.getByTestId(`persona-${AIGERIM.id}`).click()

    await page.waitForURL(`${stack.sandbox.publicUrl}/login/consent?**`)
    t.equal(await page.getByTestId('signed-in-as').innerText(), AIGERIM.name)
    await page.getByTestId('deny').click()

    await page.waitForURL(`${stack.merchantUrl}/callback?error_code=100102`)
    t.equal(await page.getByTestId('sign-in-error').innerText(), 'Sign-in was cancelled (error_code 100102)')
    t.equal(await page.getByTestId('profile-name').count(), 0)
    noCspViolations(t, stack, errors)
  })

  t.test('an expired link: the error page, HTTP 410, no redirect', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser)
    const link = await startSignIn(t, page, stack)
    await stack.advanceClock(700)

    const response = await page.reload()
    t.equal(response?.status(), 410)
    t.equal(response?.request().redirectedFrom(), null)
    t.equal(page.url(), link.href, 'the browser stays on the sandbox')
    t.match(await page.getByTestId('error').innerText(), /expired/i)
    t.equal(await page.getByTestId('login').count(), 0, 'no sign-in form')
    await screenshot(page, 'expired')
    // Chromium logs the page's own 410 as a failed load; the status is asserted above.
    noCspViolations(t, stack, errors.filter((error) => error.source !== link.href))
  })
}
