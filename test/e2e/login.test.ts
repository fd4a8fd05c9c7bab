import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { noConsoleErrors, openPage, screenshot, withBrowser } from './browser.js'
import { AIGERIM, startStack, type Stack } from './stack.js'

// The login pages themselves in a real Chromium, reached through the example merchant.

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

withBrowser((browser) => {
  t.test('allow: typed phone and password, consent, the merchant shows the profile', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    await startSignIn(t, page, stack)
    t.same((await page.getByTestId('grant-list').locator('li').allInnerTexts()).slice(0, 3), [
      'Your first name read.firstname',
      'Your last name read.lastname',
      'Your patronymic read.patronymic'
    ])
    t.equal(await page.getByTestId('persona-password').innerText(), AIGERIM.password, 'the page says the password to type')
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
    noConsoleErrors(t, stack.sandbox.publicUrl, errors)
  })

  t.test('deny: a persona button, Deny, the merchant shows the cancellation', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    await startSignIn(t, page, stack)
    await page.getByTestId(`persona-${AIGERIM.id}`).click()

    await page.waitForURL(`${stack.sandbox.publicUrl}/login/consent?**`)
    t.equal(await page.getByTestId('signed-in-as').innerText(), AIGERIM.name)
    await page.getByTestId('deny').click()

    // The shop's redirect_uri carries its own sign-in nonce (examples/merchant/README.md), then the sandbox's error_code.
    await page.waitForURL(new RegExp(`^${stack.merchantUrl}/callback\\?sign_in=[\\w-]{43}&error_code=100102$`))
    t.equal(await page.getByTestId('sign-in-error').innerText(), 'Sign-in was cancelled (error_code 100102)')
    t.equal(await page.getByTestId('profile-name').count(), 0)
    noConsoleErrors(t, stack.sandbox.publicUrl, errors)
  })

  t.test('an expired link: the error page, HTTP 410, no redirect, a link back to the shop', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    const link = await startSignIn(t, page, stack)
    await stack.advanceClock(700)

    const response = await page.reload()
    t.equal(response?.status(), 410)
    t.equal(response?.request().redirectedFrom(), null)
    t.equal(page.url(), link.href, 'the browser stays on the sandbox')
    t.match(await page.getByTestId('error').innerText(), /expired/i)
    t.equal(await page.getByTestId('login').count(), 0, 'no sign-in form')
    t.equal(await page.getByTestId('back-to-shop').innerText(), 'Back to Demo Shop')
    await screenshot(page, 'expired')
    // Chromium logs the page's own 410 as a failed load; the status is asserted above.
    noConsoleErrors(t, stack.sandbox.publicUrl, errors.filter((error) => error.source !== link.href))
    await page.getByTestId('back-to-shop').click()
    await page.waitForURL(`${stack.merchantUrl}/`)
    t.equal(await page.getByTestId('sign-in-with-freedom-id').count(), 1, 'back on the shop\'s own page')
  })
})
