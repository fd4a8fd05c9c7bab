import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { noConsoleErrors, openPage, screenshot, withBrowser } from './browser.js'
import { AIGERIM, ASEL_DENIES, DANA_KYC_FAILS, DANIYAR, MARAT_LOCKED, YERLAN, startStack, type Stack } from './stack.js'

// The example merchant in a real Chromium, signed in to by every bundled persona: what each one's
// data (complete, minimal, refusing, locked, failing KYC) looks like to a shop that handles it.

/** From the shop's button to the sandbox's login page, then one click on a persona. */
async function signInAs (page: Page, stack: Stack, personaId: string) {
  await page.goto(stack.merchantUrl)
  await page.getByTestId('sign-in-with-freedom-id').click()
  await page.waitForURL(`${stack.sandbox.publicUrl}/login?**`)
  await page.getByTestId(`persona-${personaId}`).click()
}

async function allow (page: Page, stack: Stack) {
  await page.waitForURL(`${stack.sandbox.publicUrl}/login/consent?**`)
  await page.getByTestId('allow').click()
  await page.waitForURL(`${stack.merchantUrl}/profile`)
}

/** Each profile row as the shop shows it, by its field. */
async function profile (page: Page): Promise<Record<string, string>> {
  const rows = await page.locator('[data-testid^="profile-"]').evaluateAll((elements) =>
    elements.map((element) => [element.getAttribute('data-testid')!.slice('profile-'.length), (element as unknown as { innerText: string }).innerText]))
  return Object.fromEntries(rows)
}

/** Starts the identity check, then moves the sandbox clock by `seconds` and looks again. */
async function kyc (t: Test, page: Page, stack: Stack, seconds: number) {
  await page.getByTestId('kyc-start').click()
  await page.waitForURL(`${stack.merchantUrl}/profile`)
  t.equal(await page.getByTestId('kyc-status').innerText(), 'Freedom ID is checking your profile (PROCESS: profile is pending)')
  await stack.advanceClock(seconds)
  await page.getByTestId('kyc-refresh').click()
  return page.getByTestId('kyc-status').innerText()
}

withBrowser((browser) => {
  t.test('Aigerim, a complete profile: every field, then a KYC check that completes, then sign-out', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    await signInAs(page, stack, AIGERIM.id)
    await allow(page, stack)
    t.same(await profile(page), {
      name: AIGERIM.name,
      patronymic: 'Nurlanovna',
      date_of_birth: '1992-04-15',
      gender: 'F',
      country: 'KAZ',
      nationality: 'Kazakh',
      identifier: '920415401012',
      phone: AIGERIM.phone,
      phones: '+77015550101, +77075550102',
      email: AIGERIM.email,
      emails: 'aigerim.sarsenbayeva@example.com, a.sarsenbayeva@example.org',
      cards: 'VISA 440043******0101 (09/29), MASTERCARD 540012******0102 (03/28)',
      id: AIGERIM.id
    })
    await screenshot(page, 'merchant-profile')
    t.equal(await kyc(t, page, stack, 30), 'Verified by Freedom ID (SUCCESS: profile is ready)')
    t.equal(await page.getByTestId('kyc-refresh').count(), 0, 'nothing left to wait for')
    await page.getByTestId('sign-out').click()
    await page.waitForURL(`${stack.merchantUrl}/`)
    t.equal(await page.getByTestId('sign-in-with-freedom-id').count(), 1)
    noConsoleErrors(t, stack.sandbox.publicUrl, errors)
    noConsoleErrors(t, stack.merchantUrl, errors)
  })

  t.test('Daniyar, a minimal profile: no e-mail, no patronymic, no lists; the shop says so instead of failing', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    await signInAs(page, stack, DANIYAR.id)
    await allow(page, stack)
    t.same(await profile(page), {
      name: DANIYAR.name,
      patronymic: 'not given',
      date_of_birth: '1988-11-02',
      gender: 'M',
      country: 'KAZ',
      nationality: 'Kazakh',
      identifier: '881102302124',
      phone: DANIYAR.phone,
      phones: 'none',
      email: 'not given',
      emails: 'none',
      cards: 'none',
      id: DANIYAR.id
    })
    await screenshot(page, 'merchant-minimal')
    noConsoleErrors(t, stack.merchantUrl, errors)
  })

  t.test('Yerlan: one card, one phone', async (t) => {
    const stack = await startStack(t)
    const { page } = await openPage(t, browser())
    await signInAs(page, stack, YERLAN.id)
    await allow(page, stack)
    t.has(await profile(page), { name: YERLAN.name, phone: YERLAN.phone, phones: YERLAN.phone, cards: 'VISA 440043******0303 (11/27)' })
  })

  t.test('Asel always denies: straight back to the shop with error_code=100102, no session', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    await signInAs(page, stack, ASEL_DENIES.id)
    // The redirect_uri's own query (the shop's sign-in nonce) comes back with the error.
    await page.waitForURL(new RegExp(`^${stack.merchantUrl}/callback\\?sign_in=[\\w-]{43}&error_code=100102$`))
    t.equal(await page.getByTestId('sign-in-error').innerText(), 'Sign-in was cancelled (error_code 100102)')
    await page.goto(`${stack.merchantUrl}/profile`)
    t.equal(page.url(), `${stack.merchantUrl}/`, 'not signed in')
    noConsoleErrors(t, stack.merchantUrl, errors)
  })

  t.test('OIDC: Yerlan through /openid, the id_token verified, the same profile; signing in again later works too', async (t) => {
    const stack = await startStack(t)
    const { page, errors } = await openPage(t, browser())
    for (let round = 0; round < 2; round++) {
      await page.goto(`${stack.merchantUrl}/oidc/login`)
      // The shop found /openid through discovery at the address it calls the sandbox by.
      await page.waitForURL(`${stack.sandbox.url}/login?**`)
      await page.getByTestId(`persona-${YERLAN.id}`).click()
      await page.waitForURL(`${stack.sandbox.url}/login/consent?**`)
      await page.getByTestId('allow').click()
      await page.waitForURL(`${stack.merchantUrl}/profile`)
      t.has(await profile(page), { name: YERLAN.name, phone: YERLAN.phone, cards: 'VISA 440043******0303 (11/27)' })
    }
    noConsoleErrors(t, stack.merchantUrl, errors)
  })

  t.test('Marat is locked: the sandbox says so and stays put; another persona from the same page works', async (t) => {
    const stack = await startStack(t)
    const { page } = await openPage(t, browser())
    const locked = page.waitForResponse((response) => response.url() === `${stack.sandbox.publicUrl}/login/sign-in`)
    await signInAs(page, stack, MARAT_LOCKED.id)
    t.equal((await locked).status(), 403)
    t.equal(await page.getByTestId('error').innerText(), 'This Freedom ID account is locked. Choose another account.')
    t.match(page.url(), `${stack.sandbox.publicUrl}/login/sign-in`, 'still on the sandbox')
    await page.getByTestId(`persona-${DANA_KYC_FAILS.id}`).click()
    await allow(page, stack)
    t.equal(await page.getByTestId('profile-name').innerText(), DANA_KYC_FAILS.name)
  })

  t.test('Dana signs in normally; her KYC check ends failed, in Freedom ID\'s words', async (t) => {
    const stack = await startStack(t)
    const { page } = await openPage(t, browser())
    await signInAs(page, stack, DANA_KYC_FAILS.id)
    await allow(page, stack)
    t.has(await profile(page), { name: DANA_KYC_FAILS.name, phone: DANA_KYC_FAILS.phone, cards: 'UNIONPAY 622202******0606 (06/30)' })
    t.equal(await kyc(t, page, stack, 30), 'Freedom ID could not verify your profile (FAILED: the profile could not be verified)')
  })
})
