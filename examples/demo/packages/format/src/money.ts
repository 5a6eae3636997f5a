/** Cents as a price: `2049, 'EUR'` → `20.49 EUR`. */
export function formatMoney(cents: number, currency: string): string {
  const sign = cents < 0 ? '-' : ''
  const whole = Math.abs(cents)
  return `${sign}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, '0')} ${currency}`
}
