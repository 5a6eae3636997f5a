// Re-exported through this barrel: the API and the worker import it from @demo/shared.
export { formatMoney } from '@demo/format'
export type { Invoice, InvoiceInput, InvoiceLine } from './invoice.js'
export { invoiceTotal, parseInvoiceInput } from './invoice.js'
