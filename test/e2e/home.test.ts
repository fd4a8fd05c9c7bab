import t from 'tap'
import { startSandbox } from '../../src/index.js'
import { noConsoleErrors, openPage, screenshot, withBrowser } from './browser.js'
import { DANIYAR } from './stack.js'

// The sandbox's own start page in a real Chromium: the "try a sign-in" button, the login page,
// consent, and the built-in callback that shows what a merchant's server would now hold.

withBrowser((browser) => {
  t.test('the start page: try a sign-in, sign in as a persona, allow, see the code, tokens and user data', async (t) => {
    const sandbox = await startSandbox({ logLevel: 'silent' })
    t.teardown(() => sandbox.close())
    const { page, errors } = await openPage(t, browser())
    // As the README says: open http://127.0.0.1:<port>/; the login links then lead to PUBLIC_URL (localhost).
    t.not(sandbox.url, sandbox.publicUrl)
    const home = await page.goto(`${sandbox.url}/`)
    t.equal(home?.status(), 200)
    t.equal(await page.title(), 'Freedom ID sandbox · Freedom ID sandbox')
    t.equal(await page.getByTestId('public-url').innerText(), sandbox.publicUrl)
    t.equal(await page.getByTestId('clients').locator('tbody tr').count(), 3)
    t.equal(await page.getByTestId('personas').locator('tbody tr').count(), 6)
    await screenshot(page, 'home')

    await page.getByTestId('try-sign-in').click()
    await page.waitForURL(`${sandbox.publicUrl}/login?**`)
    t.equal(await page.getByTestId('client-name').innerText(), 'Demo Shop')
    await page.getByTestId(`persona-${DANIYAR.id}`).click()
    await page.waitForURL(`${sandbox.publicUrl}/login/consent?**`)
    await page.getByTestId('allow').click()

    await page.waitForURL(`${sandbox.publicUrl}/demo/callback?authorization_code=*`)
    const code = new URL(page.url()).searchParams.get('authorization_code')
    t.equal(await page.getByTestId('code').innerText(), code)
    const tokens = JSON.parse(await page.getByTestId('tokens').innerText())
    t.match(tokens.access_token, /^[A-Za-z0-9]{128}$/)
    t.has(JSON.parse(await page.getByTestId('user').innerText()), { id: DANIYAR.id, firstname: 'Daniyar', email: null, cards: [] })
    t.match(await page.getByTestId('curl').innerText(), `S='${sandbox.publicUrl}'`)
    await screenshot(page, 'home-callback')
    t.has(await sandbox.requests({ path: '/api/v1/oauth/token' }), [{ status: 200, client_id: '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70' }])

    // A reload spends nothing twice: the code is used, and the page says so.
    const again = await page.reload()
    t.equal(again?.status(), 400)
    t.equal(await page.getByTestId('error').innerText(), 'POST /api/v1/oauth/token answered HTTP 400: Invalid authorization_code.')
    await page.getByTestId('home').click()
    await page.waitForURL(`${sandbox.publicUrl}/`)
    // Chromium logs the reload's own 400 as a failed load; its status is asserted above.
    noConsoleErrors(t, sandbox.publicUrl, errors.filter((error) => !error.source.includes('/demo/callback')))
    noConsoleErrors(t, sandbox.url, errors)
  })
})
