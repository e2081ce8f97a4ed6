// The scanner of lib/parsers/xml-scan.ts against saxes (the parser it replaced, still reading what the scanner
// leaves): the same elements, attributes and text for every committed report fixture and for a document of
// awkward constructs read in every small chunk size (so each construct is cut by a chunk boundary at every
// offset), the same events or the same one-line error for thousands of seeded mutations of those fixtures, and
// the same one-line error for malformed files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { ScanFallback, scanXml } from "../../lib/parsers/xml-scan.ts";
import { streamXml, streamXmlSaxes, XML_LIMITS, type XmlHandlers } from "../../lib/parsers/xml-stream.ts";
import { mulberry32 } from "../support/prng.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-xml-scan-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every event as one line; consecutive text pieces joined (both parsers may split text differently). */
function recorder(): { handlers: XmlHandlers; events: string[] } {
  const events: string[] = [];
  let text = "";
  const flush = () => {
    if (text) events.push(`text ${JSON.stringify(text)}`);
    text = "";
  };
  return {
    events,
    handlers: {
      onOpen(name, attributes) {
        flush();
        events.push(`open ${name} ${JSON.stringify(Object.entries(attributes))}`);
      },
      onClose(name) {
        flush();
        events.push(`close ${name}`);
      },
      onText(t) {
        text += t;
      },
      wantsText: () => true,
    },
  };
}

async function viaScanner(path: string, readBytes = XML_LIMITS.readBytes): Promise<string[]> {
  const r = recorder();
  await scanXml(path, r.handlers, { doctype: "ignore" }, { ...XML_LIMITS, readBytes });
  r.handlers.onClose("(end)");
  return r.events;
}

async function viaSaxes(path: string): Promise<string[]> {
  const r = recorder();
  await streamXmlSaxes(path, r.handlers, { doctype: "ignore" });
  r.handlers.onClose("(end)");
  return r.events;
}

function fixtures(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...fixtures(p));
    else if (/\.(xml|trx)$/.test(name)) out.push(p);
  }
  return out;
}

describe("the scanner hands over what saxes did", () => {
  const files = fixtures(join(import.meta.dir, "../fixtures"));

  test("every committed XML report fixture: same elements, attributes and text", async () => {
    expect(files.length).toBeGreaterThan(50);
    let scanned = 0;
    for (const file of files) {
      const expected = await viaSaxes(file).catch((e: unknown) => e);
      const actual = await viaScanner(file).catch((e: unknown) => e);
      if (actual instanceof ScanFallback) {
        // Left to saxes: only files saxes refuses or the scanner does not read (another encoding).
        expect(expected instanceof Error || !actual.delivered).toBe(true);
        continue;
      }
      scanned++;
      expect({ file, events: actual }).toEqual({ file, events: expected as string[] });
    }
    expect(scanned).toBeGreaterThan(50);
  });

  test("awkward constructs cut by a read boundary at every offset", async () => {
    const doc =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n' +
      '<!DOCTYPE r SYSTEM "r.dtd" [ <!ENTITY x "y"> <!-- a ] > comment --> <!ATTLIST r a CDATA "q>"> ]>\n' +
      "<!-- before -->\n<?pi data?>\n" +
      '<r a="1&amp;2 &lt;3&gt; &quot;q&quot; &apos;s&apos;" b=\'single "q"\' c="tab\there\nnl\r\ncrlf\rcr &#10;&#x41;&#65;&#0000000066;">\n' +
      '  <t name="café ünïcödé 日本語 😀">x &amp; y &#x1F600; &undeclared; caf\u00e9\r\nline2\rline3</t>\n' +
      "  <t><![CDATA[raw <b>&amp;</b> ]] ] >\r\n end]]>after<!-- c --><?p i?>tail</t>\n" +
      '  <empty/><e2 a = "spaced" ></e2 >\n' +
      '  <deep><deeper x="&#x10000;">😀😀</deeper></deep>\n' +
      "</r>\n<!-- after -->\n";
    const path = join(dir, "awkward.xml");
    writeFileSync(path, doc);
    const expected = await viaSaxes(path);
    expect(expected).toContain('open t [["name","café ünïcödé 日本語 😀"]]');
    expect(expected).toContain('text "x & y 😀 &undeclared; café\\nline2\\nline3"');
    for (let readBytes = 1; readBytes <= 64; readBytes++) {
      expect({ readBytes, events: await viaScanner(path, readBytes) }).toEqual({ readBytes, events: expected });
    }
  });

  test("a huge attribute value is cut at the limit, the rest read past, whatever the chunk size", async () => {
    const value = `${"v".repeat(3000)}&amp;${"w".repeat(3000)}`;
    const path = join(dir, "huge-attr.xml");
    writeFileSync(path, `<r><a x="${value}" y="after"/></r>`);
    for (const readBytes of [97, 1000, 4096]) {
      const r = recorder();
      await scanXml(path, r.handlers, {}, { ...XML_LIMITS, readBytes, attributeValueChars: 2500 });
      expect(r.events).toEqual([
        "open r []",
        `open a ${JSON.stringify([
          ["x", "v".repeat(2500)],
          ["y", "after"],
        ])}`,
        "close a",
        "close r",
      ]);
    }
  });
  test("UTF-8 characters cut by a read at every offset: read whole in text, CDATA, comments and attribute values", async () => {
    // Astral characters (two UTF-16 units) next to the places the scanner cuts a run at a read's end.
    const doc = '\uFEFF<r a="😀é😀" b="日😀">😀😀é<![CDATA[😀]]😀]]>😀<!--😀-😀-->é&amp;😀\r\n😀<s>日本😀</s>😀</r>\n';
    const path = join(dir, "astral.xml");
    writeFileSync(path, doc);
    const expected = await viaSaxes(path);
    expect(expected).toContain('open r [["a","😀é😀"],["b","日😀"]]');
    for (let readBytes = 1; readBytes <= 48; readBytes++) {
      expect({ readBytes, events: await viaScanner(path, readBytes) }).toEqual({ readBytes, events: expected });
    }
  });

  test("attribute values made of named references read as saxes reads them (escaped references stay escaped once)", async () => {
    const path = join(dir, "named-refs.xml");
    writeFileSync(
      path,
      '<r a="&amp;lt;x&amp;gt;" b="&lt;&gt;&amp;&quot;&apos;" c="&amp;amp;&lt;lt;" d="q&quot;&amp;quot;&quot;" e="&apos;&#38;lt;&apos;"/>',
    );
    const expected = await viaSaxes(path);
    expect(expected[0]).toBe(
      `open r ${JSON.stringify([
        ["a", "&lt;x&gt;"],
        ["b", `<>&"'`],
        ["c", "&amp;<lt;"],
        ["d", 'q"&quot;"'],
        ["e", "'&lt;'"],
      ])}`,
    );
    expect(await viaScanner(path)).toEqual(expected);
  });

  test.each([
    ["an overlong sequence", [0xe0, 0x80, 0x80]],
    ["a byte that never starts a character", [0xf5, 0x80]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a lone continuation byte", [0x80]],
    ["a sequence cut short by the next character", [0xf0, 0x9f, 0x41]],
  ])("invalid UTF-8 (%s) is refused at every read size, after the events read before it", async (_name, bytes) => {
    const path = join(dir, "bad-utf8.xml");
    writeFileSync(path, Buffer.concat([Buffer.from("<r><a/>é"), Buffer.from(bytes), Buffer.from("x</r>")]));
    const before = ["open r []", "open a []", "close a"];
    for (let readBytes = 1; readBytes <= 16; readBytes++) {
      const r = recorder();
      const err = await scanXml(path, r.handlers, {}, { ...XML_LIMITS, readBytes }).catch((e: unknown) => e);
      // The read that brings the bad bytes fails whole: the events are those of the reads before it.
      expect({ readBytes, reason: (err as ScanFallback).reason, events: r.events }).toEqual({
        readBytes,
        reason: "not valid UTF-8",
        events: before.slice(0, r.events.length),
      });
      if (readBytes >= 16) expect(r.events).toEqual([]);
    }
  });

  test("a file that ends inside a UTF-8 character is refused at every read size", async () => {
    const path = join(dir, "cut-utf8.xml");
    writeFileSync(path, Buffer.concat([Buffer.from("<r>é</r>\n"), Buffer.from([0xf0, 0x9f, 0x98])]));
    for (let readBytes = 1; readBytes <= 16; readBytes++) {
      const err = await scanXml(path, recorder().handlers, {}, { ...XML_LIMITS, readBytes }).catch((e: unknown) => e);
      expect({ readBytes, reason: (err as ScanFallback).reason }).toEqual({ readBytes, reason: "not valid UTF-8" });
    }
  });
});

test("thousands of mutated fixtures: saxes and the scanner agree on events or on the error", async () => {
  // Seeded mutations (inserted markup pieces, deletions, truncations, splices), each read in a random chunk size.
  const seeds = fixtures(join(import.meta.dir, "../fixtures")).map((p) => readFileSync(p, "latin1"));
  const rnd = mulberry32(20261204);
  const pieces = ["<", ">", "&", ";", "&amp;", "&#65;", "&#x0;", "]]>", "<![CDATA[", "]]", "<!--", "-->", "--", "\r", "\r\n", "\t"];
  pieces.push('"', "'", "=", "/", "</a>", "<a>", "<?x ?>", "<?xml ?>", "<!DOCTYPE a>", "&foo;", "é", "😀", " ", "\n", "\u0001", "]");
  const path = join(dir, "mutant.xml");
  let agreedValid = 0;
  let agreedError = 0;
  for (let n = 0; n < 3000; n++) {
    let s = seeds[Math.floor(rnd() * seeds.length)]!;
    for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) {
      const pos = Math.floor(rnd() * s.length);
      const r = rnd();
      if (r < 0.4) s = s.slice(0, pos) + pieces[Math.floor(rnd() * pieces.length)] + s.slice(pos);
      else if (r < 0.7) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rnd() * 5));
      else if (r < 0.85) s = s.slice(0, pos);
      else {
        const from = Math.floor(rnd() * s.length);
        s = s.slice(0, pos) + s.slice(from, from + Math.floor(rnd() * 50)) + s.slice(pos);
      }
    }
    writeFileSync(path, Buffer.from(s, "latin1"));
    const expected = await viaSaxes(path).catch((e: unknown) => e as Error);
    if (Array.isArray(expected)) {
      const actual = await viaScanner(path, [1 << 20, 7, 64, 333][n % 4]).catch((e: unknown) => e);
      if (actual instanceof ScanFallback && !actual.delivered) continue; // an encoding saxes reads
      expect({ n, events: actual }).toEqual({ n, events: expected });
      agreedValid++;
    } else {
      const actual = await streamXml(path, recorder().handlers, { doctype: "ignore" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({ n, error: (actual as Error | undefined)?.message }).toEqual({ n, error: expected.message });
      agreedError++;
    }
  }
  expect(agreedValid).toBeGreaterThan(300);
  expect(agreedError).toBeGreaterThan(1000);
}, 120_000);

describe("malformed files give saxes's one-line error", () => {
  const bad: [string, string][] = [
    ["mismatched close tag", "<r>\n  <a>\n  </b>\n</r>"],
    ["undeclared entity in text", "<r><a>x &nope; y</a></r>"],
    ["bare ampersand in an attribute", '<r a="x & y"/>'],
    ["lt in an attribute", '<r a="x < y"/>'],
    ["unquoted attribute", "<r a=1/>"],
    ["duplicate attribute", '<r a="1" a="2"/>'],
    ["no space between attributes", '<r a="1"b="2"/>'],
    ["text after the root", "<r/>trailing"],
    ["a second root", "<r/><r/>"],
    ["truncated inside a tag", '<r><a x="1'],
    ["truncated before the close tags", "<r>\n<inner>text"],
    ["a NUL character", "<r>a\u0000b</r>"],
    ["]]> in text", "<r>a ]]> b</r>"],
    ["double dash in a comment", "<r><!-- a -- b --></r>"],
    ["a bad character reference", "<r>&#0;</r>"],
    ["an XML declaration later", '<r><?xml version="1.0"?></r>'],
    ["a DOCTYPE after the root", "<r/><!DOCTYPE r>"],
    ["an unclosed CDATA section", "<r><![CDATA[ never ends"],
    ["blank before the XML declaration", ' \n<?xml version="1.0"?><r/>'],
    ["a misspelt XML declaration", '<?xml versio="1.0"?><r/>'],
    ["a processing instruction target run into its data", '<?xmersion="1.0"?><r/>'],
  ];
  test.each(bad)("%s", async (name, content) => {
    for (const padded of [false, true]) {
      // Padded: past 1 MB of good elements, so the scanner has handed over events before it meets the error.
      const path = join(dir, `${name.replace(/\W+/g, "-")}-${padded}.xml`);
      writeFileSync(path, padded && content.startsWith("<r>") ? `<r>${"\n<p/>".repeat(250_000)}${content.slice(3)}` : content);
      await sameError(path);
    }
  });

  async function sameError(path: string): Promise<void> {
    const expected = await streamXmlSaxes(path, recorder().handlers, { doctype: "ignore" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(expected).toBeInstanceOf(HealError);
    const actual = await streamXml(path, recorder().handlers, { doctype: "ignore" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(actual).toBeInstanceOf(HealError);
    expect((actual as HealError).message).toBe((expected as HealError).message);
    expect((actual as HealError).file).toBe(path);
  }

  test("an error found after events were handed over still reads as saxes says it", async () => {
    const path = join(dir, "late-error.xml");
    const good = '<t name="ok"/>\n'.repeat(100_000);
    writeFileSync(path, `<r>\n${good}<a></b></r>`);
    const seen: string[] = [];
    const err = await streamXml(path, { onOpen: (n) => seen.push(n), onClose() {}, onText() {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen.length).toBeGreaterThan(1000);
    expect((err as HealError).message).toBe("not well-formed XML at line 100002, column 7: unexpected close tag.");
  });
});
