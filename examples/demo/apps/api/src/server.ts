/** The demo API: invoices over HTTP. Listens on 127.0.0.1:$PORT (hearth allocates the port). */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { formatMoney, type Invoice, invoiceTotal, parseInvoiceInput } from '@demo/shared'

const invoices = new Map<string, Invoice>()

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

const server = http.createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const [, resource, id, action] = url.pathname.split('/')
  if (request.method === 'GET' && url.pathname === '/health') return send(response, 200, { ok: true })
  if (resource !== 'invoices') return send(response, 404, { error: 'not found' })

  if (request.method === 'POST' && id === undefined) {
    const parsed = parseInvoiceInput(await readJson(request))
    if (!parsed.ok) return send(response, 400, { errors: parsed.errors })
    const invoice: Invoice = {
      ...parsed.input,
      id: randomUUID(),
      totalCents: invoiceTotal(parsed.input.lines),
      status: 'open',
    }
    invoices.set(invoice.id, invoice)
    console.log(
      `created invoice ${invoice.id} for ${invoice.customer}: ${formatMoney(invoice.totalCents, invoice.currency)}`,
    )
    return send(response, 201, invoice)
  }
  if (request.method === 'GET' && id === undefined) {
    const status = url.searchParams.get('status')
    return send(
      response,
      200,
      [...invoices.values()].filter((invoice) => status === null || invoice.status === status),
    )
  }
  const invoice = id === undefined ? undefined : invoices.get(id)
  if (invoice === undefined) return send(response, 404, { error: 'no such invoice' })
  if (request.method === 'GET' && action === undefined) return send(response, 200, invoice)
  if (request.method === 'POST' && (action === 'sent' || action === 'paid')) {
    invoice.status = action
    return send(response, 200, invoice)
  }
  return send(response, 405, { error: 'method not allowed' })
})

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const address = server.address() as { port: number }
  console.log(`api listening on http://127.0.0.1:${address.port}`)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)))
}
