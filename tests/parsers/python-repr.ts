// Reads the Python repr that publish-unit-test-result-action stores as the expected result of each fixture
// (`*.results`: `publish.unittestresults.ParsedUnitTestResults(files=1, ..., cases=[UnitTestCase(...)])`).
// Calls become objects with their keyword arguments (positional ones under "0", "1", ...) and `__call` naming
// the callee; adjacent string literals are joined as Python joins them.

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

export function parsePythonRepr(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`python repr: ${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const peek = () => {
    ws();
    return text[i];
  };
  const expect = (c: string) => {
    if (peek() !== c) fail(`expected ${c}`);
    i++;
  };
  const stringLiteral = (): string => {
    const quote = text[i]!;
    const triple = text.startsWith(quote.repeat(3), i);
    i += triple ? 3 : 1;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      if (triple ? text.startsWith(quote.repeat(3), i) : text[i] === quote) {
        i += triple ? 3 : 1;
        return out;
      }
      const c = text[i++]!;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++]!;
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        "\\": "\\",
        "'": "'",
        '"': '"',
        "0": "\0",
        a: "\x07",
        b: "\b",
        f: "\f",
        v: "\v",
      };
      if (e in simple) out += simple[e];
      else if (e === "x" || e === "u" || e === "U") {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        out += String.fromCodePoint(parseInt(text.slice(i, i + n), 16));
        i += n;
      } else if (e === "\n") {
        // a line continuation
      } else out += `\\${e}`;
    }
  };
  const value = (): PyValue => {
    const c = peek();
    if (c === undefined) return fail("unexpected end");
    if (c === "'" || c === '"') {
      let s = "";
      while (peek() === "'" || peek() === '"') s += stringLiteral();
      return s;
    }
    if (c === "[" || c === "(") {
      const close = c === "[" ? "]" : ")";
      i++;
      const items: PyValue[] = [];
      while (peek() !== close) {
        items.push(value());
        if (peek() === ",") i++;
      }
      i++;
      return items;
    }
    if (c === "{") {
      i++;
      const obj: Record<string, PyValue> = {};
      while (peek() !== "}") {
        const k = value();
        expect(":");
        obj[String(k)] = value();
        if (peek() === ",") i++;
      }
      i++;
      return obj;
    }
    const num = /^-?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)/i.exec(text.slice(i, i + 40));
    if (num && /[-\d]/.test(c)) {
      i += num[0].length;
      return Number(num[0]);
    }
    const ident = /^[A-Za-z_][\w.]*/.exec(text.slice(i, i + 200));
    if (!ident) return fail("unexpected character");
    i += ident[0].length;
    const name = ident[0];
    // String prefixes: b'...', r'...', u'...'.
    if (/^[bru]$/i.test(name) && (text[i] === "'" || text[i] === '"')) return value();
    if (peek() !== "(") {
      if (name === "None") return null;
      if (name === "True") return true;
      if (name === "False") return false;
      if (name === "nan") return Number.NaN;
      return name;
    }
    i++;
    const call: Record<string, PyValue> = { __call: name };
    let n = 0;
    while (peek() !== ")") {
      const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(text.slice(i, i + 200));
      if (kw) {
        i += kw[0].length;
        call[kw[1]!] = value();
      } else call[String(n++)] = value();
      if (peek() === ",") i++;
    }
    i++;
    return call;
  };
  const result = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return result;
}
