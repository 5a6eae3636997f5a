import { describe, expect, it } from 'vitest'
import { output } from './environment.js'

const api = output('HEARTH_API_URL')

async function createInvoice(body: unknown): Promise<Response> {
  return fetch(`${api}/invoices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

describe('the invoice API', () => {
  it('creates an invoice and computes its total', async () => {
    const response = await createInvoice({
      customer: 'Initech',
      currency: 'EUR',
      lines: [
        { description: 'TPS reports', quantity: 3, unitCents: 250 },
        { description: 'Staplers', quantity: 1, unitCents: 1299 },
      ],
    })
    expect(response.status).toBe(201)
    const invoice = (await response.json()) as { id: string; totalCents: number }
    expect(invoice.totalCents).toBe(2049)
    const fetched = await fetch(`${api}/invoices/${invoice.id}`)
    expect(await fetched.json()).toMatchObject({ customer: 'Initech', totalCents: 2049 })
  })

  it('rejects an invalid invoice and says everything that is wrong', async () => {
    const response = await createInvoice({ customer: '', currency: 'euro', lines: [] })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      errors: ['customer: required', 'currency: a 3-letter code', 'lines: at least one'],
    })
  })
})
