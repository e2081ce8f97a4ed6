import { describe, expect, test } from "bun:test";
import { formatMoney, parseMoney, percentOf } from "../src/money.ts";

describe("parseMoney", () => {
  test("reads dollars and cents", () => {
    expect(parseMoney("12.34")).toBe(1234);
    expect(parseMoney("$0.5")).toBe(50);
    expect(parseMoney("7")).toBe(700);
  });

  test("refuses text that is not an amount", () => {
    expect(() => parseMoney("12.345")).toThrow('not an amount of money: "12.345"');
    expect(() => parseMoney("ten")).toThrow();
  });
});

describe("formatMoney", () => {
  test("prints dollars with thousands separators and two decimals", () => {
    expect(formatMoney(123456789)).toBe("$1,234,567.89");
    expect(formatMoney(5)).toBe("$0.05");
  });

  test("puts the sign before the dollar sign", () => {
    expect(formatMoney(-250)).toBe("-$2.50");
  });
});

describe("percentOf", () => {
  test("rounds half a cent up", () => {
    expect(percentOf(1005, 10)).toBe(101);
    expect(percentOf(1000, 8.25)).toBe(83);
  });
});
