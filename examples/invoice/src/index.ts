export { formatMoney, parseMoney, percentOf } from "./money.ts";
export { BULK_DISCOUNT_PERCENT, BULK_MIN_ITEMS, bulkDiscount, itemCount, subtotal, totalDue, type LineItem } from "./invoice.ts";
