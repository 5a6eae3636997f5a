import { describe, expect, it } from 'vitest'
import { formatMoney } from './index.js'
import { invoiceTotal, parseInvoiceInput } from './invoice.js'

describe('invoices', () => {
  it('totals lines in cents', () => {
    expect(
      invoiceTotal([
        { description: 'a', quantity: 3, unitCents: 250 },
        { description: 'b', quantity: 1, unitCents: 1299 },
      ]),
    ).toBe(2049)
    expect(formatMoney(2049, 'EUR')).toBe('20.49 EUR')
  })

  it('lists every problem of an input', () => {
    expect(
      parseInvoiceInput({
        customer: 'x',
        currency: 'EUR',
        lines: [{ description: 'y', quantity: 0, unitCents: 1.5 }],
      }),
    ).toEqual({
      ok: false,
      errors: ['lines[0].quantity: a positive integer', 'lines[0].unitCents: a whole number of cents'],
    })
  })
})
