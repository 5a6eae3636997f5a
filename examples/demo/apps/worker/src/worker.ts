/**
 * The demo worker: sends open invoices (here: logs them and marks them sent through the API at
 * $API_URL). Answers /health on 127.0.0.1:$PORT so hearth can tell it is up.
 */
import http from 'node:http'
import { formatMoney, type Invoice } from '@demo/shared'

const api = process.env.API_URL
if (api === undefined) throw new Error('API_URL is not set')
let sent = 0

async function sendOpenInvoices(): Promise<void> {
  const response = await fetch(`${api}/invoices?status=open`)
  const open = (await response.json()) as Invoice[]
  for (const invoice of open) {
    await fetch(`${api}/invoices/${invoice.id}/sent`, { method: 'POST' })
    sent++
    console.log(
      `sent invoice ${invoice.id} to ${invoice.customer} (${formatMoney(invoice.totalCents, invoice.currency)})`,
    )
  }
}

const health = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(JSON.stringify({ ok: true, sent }))
})

health.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => console.log('worker ready'))

const timer = setInterval(() => {
  sendOpenInvoices().catch((error: Error) => console.error(`could not reach the api: ${error.message}`))
}, 200)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    clearInterval(timer)
    health.close(() => process.exit(0))
  })
}
