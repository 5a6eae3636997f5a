/**
 * The demo API: invoices over HTTP, kept in Postgres ($DATABASE_URL); new invoices are queued in
 * Redis ($REDIS_URL) for the worker. Listens on 127.0.0.1:$PORT (hearth allocates the port).
 */
import http from 'node:http'
import { formatMoney, parseInvoiceInput } from '@demo/shared'
import { createStore } from './store.js'

const store = createStore(required('DATABASE_URL'), required('REDIS_URL'))

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return null
  }
}

async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const [, resource, id, action] = url.pathname.split('/')
  if (request.method === 'GET' && url.pathname === '/health') return send(response, 200, { ok: true })
  if (resource !== 'invoices') return send(response, 404, { error: 'not found' })

  if (request.method === 'POST' && id === undefined) {
    const parsed = parseInvoiceInput(await readJson(request))
    if (!parsed.ok) return send(response, 400, { errors: parsed.errors })
    const invoice = await store.create(parsed.input)
    console.log(
      `created invoice ${invoice.id} for ${invoice.customer}: ${formatMoney(invoice.totalCents, invoice.currency)}`,
    )
    return send(response, 201, invoice)
  }
  if (request.method === 'GET' && id === undefined)
    return send(response, 200, await store.list(url.searchParams.get('status')))
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id))
    return send(response, 404, { error: 'no such invoice' })
  if (request.method === 'GET' && action === undefined) {
    const invoice = await store.get(id)
    return invoice === undefined
      ? send(response, 404, { error: 'no such invoice' })
      : send(response, 200, invoice)
  }
  if (request.method === 'POST' && (action === 'sent' || action === 'paid')) {
    const invoice = await store.setStatus(id, action)
    return invoice === undefined
      ? send(response, 404, { error: 'no such invoice' })
      : send(response, 200, invoice)
  }
  return send(response, 405, { error: 'method not allowed' })
}

const server = http.createServer((request, response) => {
  route(request, response).catch((error: Error) => {
    console.error(`${request.method} ${request.url}: ${error.message}`)
    send(response, 500, { error: 'internal error' })
  })
})

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const address = server.address() as { port: number }
  console.log(`api listening on http://127.0.0.1:${address.port}`)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => void store.close().then(() => process.exit(0))))
}
