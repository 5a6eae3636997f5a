export type { Invoice, InvoiceInput, InvoiceLine } from './invoice.js'
export { formatMoney, invoiceTotal, parseInvoiceInput } from './invoice.js'
