/** The demo's domain: invoices with lines, in integer cents. */

export interface InvoiceLine {
  description: string
  quantity: number
  unitCents: number
}

export interface InvoiceInput {
  customer: string
  currency: string
  lines: InvoiceLine[]
}

export interface Invoice extends InvoiceInput {
  id: string
  totalCents: number
  status: 'open' | 'sent' | 'paid'
}

export function invoiceTotal(lines: readonly InvoiceLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitCents, 0)
}

/** Checks a request body; returns the input or the list of what is wrong with it. */
export function parseInvoiceInput(
  body: unknown,
): { ok: true; input: InvoiceInput } | { ok: false; errors: string[] } {
  const errors: string[] = []
  const value = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  if (typeof value.customer !== 'string' || value.customer.trim() === '') errors.push('customer: required')
  if (typeof value.currency !== 'string' || !/^[A-Z]{3}$/.test(value.currency))
    errors.push('currency: a 3-letter code')
  if (!Array.isArray(value.lines) || value.lines.length === 0) errors.push('lines: at least one')
  const lines = Array.isArray(value.lines) ? value.lines : []
  lines.forEach((line: Record<string, unknown>, index) => {
    if (typeof line?.description !== 'string') errors.push(`lines[${index}].description: required`)
    if (!Number.isInteger(line?.quantity) || (line.quantity as number) <= 0)
      errors.push(`lines[${index}].quantity: a positive integer`)
    if (!Number.isInteger(line?.unitCents) || (line.unitCents as number) < 0)
      errors.push(`lines[${index}].unitCents: a whole number of cents`)
  })
  if (errors.length > 0) return { ok: false, errors }
  return { ok: true, input: value as unknown as InvoiceInput }
}
