/** A one-shot job: creates the demo's sample invoices through the API at $API_URL. */
const api = process.env.API_URL
if (api === undefined) throw new Error('API_URL is not set')

const samples = [
  { customer: 'Acme', currency: 'EUR', lines: [{ description: 'Anvils', quantity: 2, unitCents: 4999 }] },
  {
    customer: 'Globex',
    currency: 'USD',
    lines: [{ description: 'Consulting', quantity: 3, unitCents: 12000 }],
  },
]

for (const sample of samples) {
  const response = await fetch(`${api}/invoices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sample),
  })
  if (response.status !== 201) throw new Error(`seeding ${sample.customer} failed: HTTP ${response.status}`)
}
console.log(`seeded ${samples.length} invoices`)
