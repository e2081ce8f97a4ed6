import { describe, expect, test } from "bun:test";
import { bulkDiscount, itemCount, subtotal, totalDue, type LineItem } from "../src/invoice.ts";

const pens = (quantity: number): LineItem => ({ sku: "PEN-BLUE", unitCents: 150, quantity });
const notebook: LineItem = { sku: "NOTE-A5", unitCents: 499, quantity: 1 };

describe("subtotal", () => {
  test("adds every line's unit price times its quantity", () => {
    expect(subtotal([pens(4), notebook])).toBe(1099);
    expect(itemCount([pens(4), notebook])).toBe(5);
  });

  test("is zero for an empty invoice", () => {
    expect(subtotal([])).toBe(0);
  });
});

describe("bulk discount", () => {
  test("no discount below 10 items", () => {
    expect(bulkDiscount([pens(8), notebook])).toBe(0);
  });

  test("10% off at exactly 10 items", () => {
    expect(bulkDiscount([pens(9), notebook])).toBe(185);
  });

  test("10% off above 10 items", () => {
    expect(bulkDiscount([pens(12)])).toBe(180);
  });
});

describe("totalDue", () => {
  test("a small order pays its subtotal plus tax", () => {
    expect(totalDue([pens(2)], 8)).toBe(324);
  });

  test("tax is charged on the discounted subtotal of a bulk order", () => {
    expect(totalDue([pens(10)], 8)).toBe(1458);
  });
});
