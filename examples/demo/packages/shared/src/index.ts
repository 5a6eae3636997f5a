export { formatMoney, invoiceTotal, parseInvoiceInput } from './invoice.js'
export type { Invoice, InvoiceInput, InvoiceLine } from './invoice.js'
