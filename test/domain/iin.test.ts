import t from 'tap'
import { iinCheckDigit, isValidIin } from '../../src/domain/iin.js'

t.test('check digits', async (t) => {
  t.equal(iinCheckDigit('92041540101'), 2)
  t.ok(isValidIin('920415401012'))
  t.notOk(isValidIin('920415401013'), 'wrong check digit')
  t.notOk(isValidIin('92041540101'), 'too short')
  t.notOk(isValidIin('92041540101a'), 'not digits')
})

t.test('the second weight row, and numbers with no valid check digit', async (t) => {
  // First row gives 10 for this prefix, so the second row decides.
  const digits = [...'00000000001'].map(Number)
  t.equal(digits.reduce((s, d, i) => s + d * (i + 1), 0) % 11, 0)
  let second: string | undefined
  let none: string | undefined
  for (let n = 0; n < 100000 && (second === undefined || none === undefined); n++) {
    const prefix = `9001013${String(n).padStart(4, '0')}`
    const first = [...prefix].reduce((s, d, i) => s + Number(d) * (i + 1), 0) % 11
    if (first !== 10) continue
    const digit = iinCheckDigit(prefix)
    if (digit === undefined) none ??= prefix
    else second ??= prefix
  }
  t.ok(second !== undefined && isValidIin(`${second}${iinCheckDigit(second!)}`))
  t.ok(none !== undefined)
  for (let d = 0; d < 10; d++) t.notOk(isValidIin(`${none}${d}`))
})
