/**
 * The demo worker: takes new invoices off the Redis outbox ($REDIS_URL) and sends them (here: logs
 * them and marks them sent through the API at $API_URL). Answers /health on 127.0.0.1:$PORT.
 */
import http from 'node:http'
import { formatMoney, type Invoice } from '@demo/shared'
import { Redis } from 'ioredis'

const OUTBOX = 'invoices:outbox'
const api = required('API_URL')
const redis = new Redis(required('REDIS_URL'), { maxRetriesPerRequest: 2 })
let sent = 0
let stopping = false

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

async function sendNext(): Promise<boolean> {
  const id = await redis.rpop(OUTBOX)
  if (id === null) return false
  const response = await fetch(`${api}/invoices/${id}/sent`, { method: 'POST' })
  if (!response.ok) {
    console.error(`could not mark ${id} sent: HTTP ${response.status}`)
    return true
  }
  const invoice = (await response.json()) as Invoice
  sent++
  console.log(
    `sent invoice ${invoice.id} to ${invoice.customer} (${formatMoney(invoice.totalCents, invoice.currency)})`,
  )
  return true
}

async function loop(): Promise<void> {
  while (!stopping) {
    const busy = await sendNext().catch((error: Error) => {
      console.error(`outbox: ${error.message}`)
      return false
    })
    if (!busy) await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const health = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(JSON.stringify({ ok: true, sent }))
})

health.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  console.log('worker ready')
  void loop()
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true
    health.close(() => void redis.quit().finally(() => process.exit(0)))
  })
}
