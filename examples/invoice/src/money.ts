// Money is kept in integer cents so that sums never drift; text is parsed and printed in one place.

/** "12.34", "$12.34" or "12" -> 1234 cents. Throws on anything else. */
export function parseMoney(text: string): number {
  const match = /^\$?(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new Error(`not an amount of money: "${text}"`);
  const [, whole, fraction = ""] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** 1234 cents -> "$12.34"; negative amounts -> "-$12.34". */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}$${whole}.${String(abs % 100).padStart(2, "0")}`;
}

/** `percent` of `cents`, rounded half up to a whole cent. */
export function percentOf(cents: number, percent: number): number {
  return Math.round((cents * percent) / 100);
}
