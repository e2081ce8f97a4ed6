import { describe, expect, test } from "bun:test";
import {
  MAX_BODY_BYTES,
  MAX_LABEL_CHARS,
  MAX_TITLE_CHARS,
  byteLength,
  breakAgentMention,
  codeBlock,
  codeBlockFromRaw,
  cutToBytes,
  escapeHtmlMarkup,
  forLog,
  forLogStream,
  inlineCode,
  inlineCodeFromRaw,
  limitChars,
  limitBody,
  limitLabel,
  limitTitle,
  neutralize,
  openFence,
  untrusted,
  untrustedProse,
} from "../lib/sanitize.ts";
import { fakeSecrets, HOSTILE } from "./e2e/unsafe-strings.ts";

// anthropics/claude-code-action src/github/validation/trigger.ts: the trigger test on the raw body.
const claudeTrigger = (phrase: string) => new RegExp(`(^|\\s)${phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([\\s.,!?;:]|$)`, "i");
// Workflow gates in the wild: `contains(github.event.comment.body, '@claude')` (case-insensitive substring).
const containsGate = (body: string, phrase: string) => body.toLowerCase().includes(phrase.toLowerCase());
// GitHub's mention and reference syntax, ASCII only.
const liveMention = /(^|[^\w`])@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9_.-]+)?/;
const liveReference = /(^|[^\w&])#\d|\b[\w.-]+\/[\w.-]+#\d|\bGH-\d|https?:\/\/[^\s]+\/(issues|pull)\/\d/i;
const closing = /\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\b:?\s+(#\d|[\w.-]+\/[\w.-]+#\d|https?:\/\/)/i;

describe("neutralize: nothing in test output can wake the agent or notify anyone", () => {
  const cases = [
    "@claude",
    "@Claude fix this",
    "please @claude.",
    "```\n@claude\n```",
    "user@claude.ai",
    "\u200b@claude",
    "@\u200bclaude",
    "@\u200dclaude",
    "＠claude",
    "@someone",
    "@acme/core-team",
    "@claude/sdk@1.0.0",
    "@lodash@4.17.20",
    "cc @acme/core-team@next",
  ];
  for (const text of cases) {
    test(JSON.stringify(text), () => {
      const out = untrusted(text);
      expect(claudeTrigger("@claude").test(out)).toBe(false);
      expect(containsGate(out, "@claude")).toBe(false);
      expect(liveMention.test(out)).toBe(false);
    });
  }

  test("the mention is visible and readable, not removed", () => {
    expect(neutralize("ping @someone and @acme/core-team")).toBe("ping ＠someone and ＠acme/core-team");
    expect(claudeTrigger("@claude").test(HOSTILE.agentMention)).toBe(true); // the oracle can fail
  });
});

describe("neutralize: a package spec's @ is no mention and stays", () => {
  test("name@version and @scope/name@version read as printed (npm, Go module, range)", () => {
    const specs = "npm i lodash@4.17.20 @babel/core@7.0.0 @types/node@^20.1.0; go get golang.org/x/net@v0.17.0";
    expect(neutralize(specs)).toBe(specs);
    expect(untrusted("lodash@4.17.20: Prototype Pollution in lodash")).toBe("lodash@4.17.20: Prototype Pollution in lodash");
  });
  test("mentions beside them still break: unscoped @name@version, a scope with no version, an email, the agent's scope", () => {
    const out = neutralize("@lodash@4.17.20 cc @acme/core-team, @babel/core, user@example.com, @claude/sdk@1.0.0, x@claude");
    expect(out).toBe("＠lodash@4.17.20 cc ＠acme/core-team, ＠babel/core, user＠example.com, ＠claude/sdk@1.0.0, x＠claude");
    expect(liveMention.test(out)).toBe(false);
    expect(containsGate(out, "@claude")).toBe(false);
    expect(neutralize(out)).toBe(out);
  });
});

describe("neutralize: references, closing keywords, HTML, markers", () => {
  test("issue references and closing keywords are broken", () => {
    const out = neutralize(HOSTILE.closing);
    expect(out).toBe("Fixes ＃1 and closes octo/repo＃2, resolves hxxps://github.com/octo/repo/issues/3");
    expect(liveReference.test(out)).toBe(false);
    expect(closing.test(out)).toBe(false);
    expect(liveReference.test(HOSTILE.closing) && closing.test(HOSTILE.closing)).toBe(true);
    expect(neutralize("see GH-12 and PR https://github.example.com/o/r/pull/7")).toBe(
      "see GH\u201112 and PR hxxps://github.example.com/o/r/pull/7",
    );
  });

  test("headings and colours keep their #", () => {
    expect(neutralize("# Title\ncolor: #fff; C# code")).toBe("# Title\ncolor: #fff; C# code");
  });

  test("raw HTML and the tool's own marker are escaped", () => {
    expect(neutralize(HOSTILE.html)).toBe("&lt;img src=x onerror=alert(1)&gt;&lt;details open&gt;&lt;summary&gt;x&lt;/summary&gt;");
    const marker = neutralize(HOSTILE.marker);
    expect(marker).not.toContain("<!--");
    expect(marker).not.toContain("-->");
    expect(marker.startsWith("&lt;!-- self-healing-tdd:")).toBe(true);
    expect(neutralize("a & b &#64;claude")).toBe("a &amp; b &amp;＃64;claude");
  });

  test("invisible characters are stripped, bidi controls shown, emoji sequences kept", () => {
    expect(neutralize(HOSTILE.invisible)).toBe("zerowidth and bidi [U+202E]gnp.exe[U+202C]");
    expect(neutralize("\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 bell\x07")).toBe("red link bell");
    const family = "👨\u200d👩\u200d👧 ok";
    expect(neutralize(family)).toBe(family);
    expect(neutralize("🔥 𝕏 emoji above U+FFFF")).toBe("🔥 𝕏 emoji above U+FFFF");
  });

  test("idempotent", () => {
    const all = Object.values(HOSTILE).join("\n");
    const once = untrusted(all);
    expect(untrusted(once)).toBe(once);
    expect(neutralize(once)).toBe(once);
  });

  test("untrusted redacts before it neutralises", () => {
    const url = "https://bot:hunter2secret@example.com";
    expect(untrusted(url)).toBe("https://bot:[REDACTED:url-credentials]＠example.com");
    for (const s of fakeSecrets()) expect(untrusted(s.text)).not.toContain(s.secret);
  });
});

describe("codeBlock and inlineCode", () => {
  test("the fence is longer than any backtick run inside", () => {
    const inner = "a ``` b ````` c";
    const block = codeBlock(untrusted(inner), "text");
    expect(block).toBe("``````text\na ``` b ````` c\n``````");
    expect(openFence(block)).toBeNull();
    expect(codeBlock("plain")).toBe("```\nplain\n```");
  });

  test("inside code the original characters show; mentions and markers stay broken", () => {
    const block = codeBlock(untrusted("if (a < b && c > d) @claude <!-- self-healing-tdd:{} --> #1"));
    expect(block).toBe("```\nif (a < b && c > d) ＠claude <!- - self-healing-tdd:{} - -> ＃1\n```");
    expect(claudeTrigger("@claude").test(block)).toBe(false);
  });

  test("the info string cannot inject", () => {
    expect(codeBlock("x", "ts onload=`x`\n@claude")).toBe("```tsonloadxclaude\nx\n```");
  });

  test("inline code spans one line with a delimiter longer than any run", () => {
    expect(inlineCode(untrusted("a > b"))).toBe("`a > b`");
    expect(inlineCode("x ` y")).toBe("`` x ` y ``");
    expect(inlineCode("multi\nline")).toBe("`multi line`");
  });
});

describe("precise prose and code (issue 8)", () => {
  test("prose escapes only real markup: `A > B & C` stays; tags, comments, entities and a leading > do not render", () => {
    expect(untrustedProse("A > B & C")).toBe("A > B & C");
    expect(untrustedProse("x < y && y > z")).toBe("x < y && y > z");
    // `&#64;` is no entity any more once its reference is broken.
    expect(untrustedProse("<img src=x> </b> <!-- self-healing-tdd:{} --> <?pi?> &amp; &#64; &#x40;")).toBe(
      "&lt;img src=x> &lt;/b> &lt;!-- self-healing-tdd:{} --> &lt;?pi?> &amp;amp; &＃64; &amp;#x40;",
    );
    expect(untrustedProse("> quoted\n  > nested\nnot > quoted")).toBe("&gt; quoted\n  &gt; nested\nnot > quoted");
    expect(escapeHtmlMarkup("1 <2 & 3>")).toBe("1 <2 & 3>");
  });

  test("prose still redacts, breaks every mention and reference, and strips invisible characters", () => {
    const token = `ghp_${"Ab1".repeat(13)}`;
    expect(untrustedProse(`ping @someone, @claude and @org/team: Fixes #12 ${token}\u200b`)).toBe(
      "ping ＠someone, ＠claude and ＠org/team: Fixes ＃12 [REDACTED:github-token]",
    );
  });

  test("code from raw text: every character as printed, except the agent trigger (fires on the raw body, fences included)", () => {
    const raw = "if (a < b && c > d) cc @someone; @claude, hi; mail me@Claude.ai ``` x";
    const block = codeBlockFromRaw(raw);
    expect(block).toBe("````\nif (a < b && c > d) cc @someone; ＠claude, hi; mail me＠Claude.ai ``` x\n````");
    expect(claudeTrigger("@claude").test(block)).toBe(false);
    expect(containsGate(block, "@claude")).toBe(false);
    expect(openFence(block)).toBeNull();
    expect(codeBlockFromRaw("@my-bot run; @claude; @alice", { lang: "sh", mention: "@my-bot" })).toBe(
      "```sh\n＠my-bot run; ＠claude; @alice\n```",
    );
    expect(inlineCodeFromRaw("a > b @alice @claude")).toBe("`a > b @alice ＠claude`");
    expect(codeBlockFromRaw(`token ghp_${"Ab1".repeat(13)} <!-- m -->`)).toBe("```\ntoken [REDACTED:github-token] <!- - m - ->\n```");
  });

  test("codeBlock on untrusted text restores mentions other than the agent's", () => {
    expect(codeBlock(untrusted("cc @someone and @claude"))).toBe("```\ncc @someone and ＠claude\n```");
    expect(breakAgentMention("@CLAUDE @claudette x@claude @alice", "")).toBe("＠CLAUDE ＠claudette x＠claude @alice");
  });
});

describe("forLog: workflow commands cannot reach the runner", () => {
  test("commands at line starts (after spaces or colour codes) and ##[ anywhere are broken", () => {
    const out = forLog(`${HOSTILE.workflowCommand}\n  ::warning::w\n\x1b[31m::notice::n\r::debug::d\nok ##[error]legacy`);
    for (const line of out.split(/[\r\n]/)) {
      const plain = line.replace(/\x1b\[[0-9;]*m/g, "").trimStart();
      expect(plain.startsWith("::")).toBe(false);
      expect(line.includes("##[")).toBe(false);
    }
    expect(out.split("\n")[0]).toBe("：:add-mask::x");
  });

  test("C++ scopes and mid-line colons stay", () => {
    expect(forLog("std::vector<int> a::b")).toBe("std::vector<int> a::b");
  });

  test("secrets are redacted", () => {
    const gh = fakeSecrets()[0]!.secret;
    expect(forLog(`::add-mask::${gh}`)).toBe("：:add-mask::[REDACTED:github-token]");
  });
});

describe("forLogStream: live runner output", () => {
  const run = (chunks: string[]) => {
    let out = "";
    const stream = forLogStream((t) => (out += t));
    for (const c of chunks) stream.write(c);
    stream.end();
    return out;
  };

  test("a token split across chunks is masked whole; commands broken; text otherwise unchanged", () => {
    const gh = fakeSecrets()[0]!.secret;
    const text = `ok line\ntoken ${gh} end\n::add-mask::x\nlast`;
    for (const size of [1, 7, 13, 1000]) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!;
      expect(run(chunks)).toBe("ok line\ntoken [REDACTED:github-token] end\n：:add-mask::x\nlast");
    }
  });

  test("every line of a private-key block is masked, one mask line per line", () => {
    const pk = fakeSecrets().find((s) => s.kind === "private-key")!;
    const lines = pk.secret.split("\n").length;
    const out = run([`before\n${pk.secret}\nafter\n`]);
    expect(out).toBe(`before\n${"[REDACTED:private-key]\n".repeat(lines)}after\n`);
    for (const line of pk.secret.split("\n")) expect(out).not.toContain(line);
  });

  test("a line that ends one key and begins the next keeps masking the second key's body", () => {
    const pk = fakeSecrets().find((s) => s.kind === "private-key")!;
    const [begin, ...rest] = pk.secret.split("\n");
    const end = rest.pop()!;
    const body = rest.join("\n");
    const joined = `${begin}\n${body}\n${end}${begin}\n${body}\n${end}\nafter\n`;
    for (const size of [5, 64, 100_000]) {
      const out = run(joined.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!);
      for (const line of rest) expect(out).not.toContain(line);
      expect(out.endsWith("after\n")).toBe(true);
      expect(out.split("\n").length).toBe(joined.split("\n").length);
    }
  });

  test("a line longer than 64 KB is flushed without waiting for its newline", () => {
    let out = "";
    const stream = forLogStream((t) => (out += t));
    stream.write("x".repeat(70_000));
    expect(out.length).toBe(70_000);
    stream.end();
  });
});

describe("limits", () => {
  const notice = "Truncated: the full report is in the run's artifact https://example.com/run/1";

  test("a body under the limit is unchanged", () => {
    expect(limitBody("short", notice)).toBe("short");
  });

  test("a long body is cut to <= 65,536 UTF-8 bytes on a code-point boundary, with the notice", () => {
    for (const unit of ["a", "é", "€", "🔥", "👨\u200d👩\u200d👧"]) {
      const body = `head\n${unit.repeat(70_000)}`;
      const out = limitBody(body, notice);
      expect(byteLength(out)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect(byteLength(out)).toBeGreaterThan(MAX_BODY_BYTES - 64);
      expect(out.endsWith(`\n\n${notice}\n`)).toBe(true);
      expect(out).not.toContain("\uFFFD");
      const kept = out.slice(5, out.length - notice.length - 3);
      expect(kept.length % unit.length).toBe(0);
      expect(kept).toBe(unit.repeat(kept.length / unit.length));
    }
  });

  test("redaction happens before the cut: no token straddling the limit leaves a visible prefix", () => {
    const gh = fakeSecrets()[0]!.secret;
    for (let shift = 0; shift < 48; shift += 3) {
      const body = `${"x".repeat(1000 - 20 - shift)}${gh} tail ${"y".repeat(2000)}`;
      const out = limitBody(body, "cut", 1000);
      expect(byteLength(out)).toBeLessThanOrEqual(1000);
      expect(out).not.toContain(gh.slice(0, 8));
      expect(out).not.toMatch(/\[REDAC(?!TED:github-token\])/);
    }
  });

  test("a code fence left open by the cut is closed before the notice", () => {
    const body = `intro\n\`\`\`\`\n${"line\n".repeat(30_000)}\`\`\`\`\nafter`;
    const out = limitBody(body, notice);
    expect(byteLength(out)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(out.endsWith(`\n\`\`\`\`\n\n${notice}\n`)).toBe(true);
    expect(openFence(out)).toBeNull();
  });

  test("a 5 MB body is cut to the limit without hanging", () => {
    const t = performance.now();
    const out = limitBody("🔥 some words ".repeat(400_000), notice);
    expect(byteLength(out)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    // A hang guard, not a speed target.
    expect(performance.now() - t).toBeLessThan(20_000);
  });

  test("titles: one line, <= 256 UTF-16 units, emoji never split, redacted", () => {
    const title = limitTitle(`🔴 Auto-Healing: ${"🔥".repeat(300)}`);
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title.endsWith("🔥…")).toBe(true);
    expect(title).not.toContain("\uFFFD");
    expect(limitTitle("a\nb\r\nc")).toBe("a b c");
    expect(limitTitle("short 🔴")).toBe("short 🔴");
    const gh = fakeSecrets()[0]!.secret;
    expect(limitTitle(`${"t".repeat(240)} ${gh}`)).toBe(`${"t".repeat(240)} …`);
  });

  test("limitChars: short fields cut without splitting emoji or masks", () => {
    expect(limitChars("🔥".repeat(10), 7)).toBe("🔥🔥🔥…");
    const gh = fakeSecrets()[0]!.secret;
    expect(limitChars(`ab ${gh}`, 12)).toBe("ab …");
    expect(limitChars("line\nnext", 50)).toBe("line next");
  });

  test("labels: <= 50", () => {
    expect(limitLabel("x".repeat(80)).length).toBe(MAX_LABEL_CHARS);
    expect(limitLabel("auto-healing")).toBe("auto-healing");
  });

  test("cutToBytes never splits a surrogate pair or a multi-byte character", () => {
    const s = "a🔥é€";
    expect(cutToBytes(s, 1)).toBe("a");
    expect(cutToBytes(s, 4)).toBe("a");
    expect(cutToBytes(s, 5)).toBe("a🔥");
    expect(cutToBytes(s, 7)).toBe("a🔥é");
    expect(cutToBytes(s, 9)).toBe("a🔥é");
    expect(cutToBytes(s, 10)).toBe(s);
  });
});
