/** Invoices in Postgres; new ones queued in Redis for the worker to send. */
import { randomUUID } from 'node:crypto'
import type { Invoice, InvoiceInput } from '@demo/shared'
import { invoiceTotal } from '@demo/shared'
import { Redis } from 'ioredis'
import pg from 'pg'

export const OUTBOX = 'invoices:outbox'

interface Row {
  id: string
  customer: string
  currency: string
  lines: Invoice['lines']
  total_cents: number
  status: Invoice['status']
}

const toInvoice = (row: Row): Invoice => ({
  id: row.id,
  customer: row.customer,
  currency: row.currency,
  lines: row.lines,
  totalCents: row.total_cents,
  status: row.status,
})

export function createStore(databaseUrl: string, redisUrl: string) {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  // A reset between test runs re-creates the database and ends these connections: the pool makes
  // new ones, but an idle client's error must not crash the server.
  db.on('error', (error) => console.error(`database connection lost: ${error.message}`))
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 })
  return {
    async create(input: InvoiceInput): Promise<Invoice> {
      const id = randomUUID()
      const { rows } = await db.query<Row>(
        'INSERT INTO invoices (id, customer, currency, lines, total_cents) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [id, input.customer, input.currency, JSON.stringify(input.lines), invoiceTotal(input.lines)],
      )
      await redis.lpush(OUTBOX, id)
      return toInvoice(rows[0] as Row)
    },
    async get(id: string): Promise<Invoice | undefined> {
      const { rows } = await db.query<Row>('SELECT * FROM invoices WHERE id = $1', [id])
      return rows[0] === undefined ? undefined : toInvoice(rows[0])
    },
    async list(status: string | null): Promise<Invoice[]> {
      const { rows } =
        status === null
          ? await db.query<Row>('SELECT * FROM invoices ORDER BY created_at')
          : await db.query<Row>('SELECT * FROM invoices WHERE status = $1 ORDER BY created_at', [status])
      return rows.map(toInvoice)
    },
    async setStatus(id: string, status: Invoice['status']): Promise<Invoice | undefined> {
      const { rows } = await db.query<Row>('UPDATE invoices SET status = $2 WHERE id = $1 RETURNING *', [
        id,
        status,
      ])
      return rows[0] === undefined ? undefined : toInvoice(rows[0])
    },
    async close(): Promise<void> {
      await Promise.allSettled([db.end(), redis.quit()])
    },
  }
}
