/**
 * Kazakhstan's IIN (ЖСН/ИИН): 12 digits, YYMMDD of birth, a century-and-sex digit, four serial
 * digits and a check digit computed modulo 11 with two weight rows.
 */
const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]

function weighted (digits: number[], weights: number[]): number {
  let sum = 0
  for (let i = 0; i < 11; i++) sum += digits[i]! * weights[i]!
  return sum % 11
}

/** The check digit for the first 11 digits, or undefined when no valid one exists. */
export function iinCheckDigit (first11: string): number | undefined {
  const digits = [...first11].map(Number)
  const first = weighted(digits, FIRST_WEIGHTS)
  if (first !== 10) return first
  const second = weighted(digits, SECOND_WEIGHTS)
  return second === 10 ? undefined : second
}

export function isValidIin (value: string): boolean {
  if (!/^\d{12}$/.test(value)) return false
  return iinCheckDigit(value.slice(0, 11)) === Number(value[11])
}
