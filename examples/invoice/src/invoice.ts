// An invoice: line items, the bulk discount and sales tax, all in integer cents.
import { percentOf } from "./money.ts";

export interface LineItem {
  sku: string;
  unitCents: number;
  quantity: number;
}

/** Orders of this many items or more get BULK_DISCOUNT_PERCENT off the subtotal. */
export const BULK_MIN_ITEMS = 10;
export const BULK_DISCOUNT_PERCENT = 10;

export function itemCount(lines: LineItem[]): number {
  return lines.reduce((n, line) => n + line.quantity, 0);
}

export function subtotal(lines: LineItem[]): number {
  return lines.reduce((sum, line) => sum + line.unitCents * line.quantity, 0);
}

/** The bulk discount in cents: 10% of the subtotal for 10 items or more, else 0. */
export function bulkDiscount(lines: LineItem[]): number {
  const count = itemCount(lines);
  return count > BULK_MIN_ITEMS ? percentOf(subtotal(lines), BULK_DISCOUNT_PERCENT) : 0;
}

/** What the customer pays: the subtotal less the discount, plus tax on what remains. */
export function totalDue(lines: LineItem[], taxPercent: number): number {
  const discounted = subtotal(lines) - bulkDiscount(lines);
  return discounted + percentOf(discounted, taxPercent);
}
