import { expect, it } from 'vitest'
import { output } from './environment.js'

const api = output('HEARTH_API_URL')
const worker = output('HEARTH_WORKER_URL')

it('the worker sends a new invoice', async () => {
  const created = await fetch(`${api}/invoices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customer: 'Hooli',
      currency: 'USD',
      lines: [{ description: 'Servers', quantity: 2, unitCents: 99900 }],
    }),
  })
  const { id } = (await created.json()) as { id: string }
  await expect
    .poll(async () => ((await (await fetch(`${api}/invoices/${id}`)).json()) as { status: string }).status, {
      timeout: 5000,
    })
    .toBe('sent')
  const health = (await (await fetch(`${worker}/health`)).json()) as { ok: boolean; sent: number }
  expect(health.ok).toBe(true)
  expect(health.sent).toBeGreaterThan(0)
})
