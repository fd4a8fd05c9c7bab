/** The tab icon: a green "ID" tile, so browsers do not ask for a /favicon.ico that is not there. */
export const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0a7d3c"/>' +
  '<text x="16" y="21.5" font-family="Arial,sans-serif" font-size="14" font-weight="700" fill="#fff" text-anchor="middle">ID</text></svg>'

/** The login pages' only stylesheet, served from /login/assets/sandbox.css (the CSP allows no inline style). */
export const STYLESHEET = `
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; background: #eef2f6; }
.banner { background: repeating-linear-gradient(-45deg, #ffd23f, #ffd23f 14px, #ffc400 14px, #ffc400 28px); color: #2b2100;
  text-align: center; font-weight: 700; letter-spacing: .04em; padding: .55rem 1rem; border-bottom: 2px solid #a37c00; }
.banner small { display: block; font-weight: 500; letter-spacing: 0; }
main { max-width: 30rem; margin: 2rem auto; padding: 0 1rem; }
.card { background: #fff; border-radius: 12px; box-shadow: 0 2px 10px rgba(16, 38, 66, .08); padding: 1.5rem 1.75rem; margin-bottom: 1rem; }
.brand { color: #0a7d3c; font-weight: 800; font-size: 1.05rem; margin: 0 0 .25rem; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; line-height: 1.3; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
p { margin: 0 0 .75rem; }
.muted { color: #5b6876; font-size: .92rem; }
ul.grants { margin: 0 0 1rem; padding-left: 1.2rem; }
ul.grants li { margin: .15rem 0; }
code { font-size: .85em; background: #f1f4f7; padding: 0 .25em; border-radius: 4px; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input[type=text], input[type=password] { width: 100%; padding: .6rem .7rem; border: 1px solid #b8c3ce; border-radius: 8px; font: inherit; }
input:focus, button:focus { outline: 3px solid #8cc9a5; outline-offset: 1px; }
button { font: inherit; cursor: pointer; border-radius: 8px; padding: .6rem 1.1rem; border: 1px solid transparent; }
.primary { background: #0a7d3c; color: #fff; font-weight: 600; }
.primary:hover { background: #086531; }
.secondary { background: #fff; color: #1d2733; border-color: #b8c3ce; }
.actions { display: flex; gap: .75rem; margin-top: 1.25rem; }
.actions form { margin: 0; }
.full { width: 100%; margin-top: 1.25rem; }
.error { background: #fdecec; color: #8a1c1c; border: 1px solid #f3b5b5; border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
.personas { list-style: none; margin: 0; padding: 0; }
.personas li { margin: 0 0 .5rem; }
.persona { width: 100%; text-align: left; background: #f7f9fb; border-color: #d6dde4; display: flex; flex-wrap: wrap; justify-content: space-between; gap: .5rem; align-items: center; }
.persona > span:first-child { min-width: 0; flex: 1 1 14rem; }
.persona:hover { background: #eef5f0; border-color: #8cc9a5; }
.persona .who { display: block; font-weight: 600; }
.persona .how { display: block; font-size: .85rem; color: #5b6876; overflow-wrap: anywhere; }
.tag { flex: none; font-size: .75rem; font-weight: 700; border-radius: 99px; padding: .1rem .55rem; background: #e4e8ec; color: #3a4654; white-space: nowrap; }
.tag.deny_consent, .tag.locked, .tag.kyc_fails { background: #fff1d6; color: #7a4b00; }
a { color: #0a6b34; }
main.wide { max-width: 60rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e4e8ec; overflow-wrap: break-word; }
pre { background: #f1f4f7; border-radius: 8px; padding: .75rem; overflow-x: auto; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { text-align: center; color: #7b8794; font-size: .8rem; margin: 1.5rem 0; }
`
