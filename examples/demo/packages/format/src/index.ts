export { formatMoney } from './money.js'
