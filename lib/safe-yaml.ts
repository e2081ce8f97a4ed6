// YAML in and out with limits: config and task files are read with a size cap, no alias bombs, no
// custom tags and no duplicate keys; task YAML is written so every string reads back unchanged, under
// YAML 1.2 parsers and under YAML 1.1 ones (PyYAML reads a plain `yes` as true, `1:20` as 80).
// Owner: safety (issue 5). Every failure is a HealError naming the file.
import { readFileSync, statSync } from "node:fs";
import {
  Document,
  isAlias,
  isCollection,
  isScalar,
  LineCounter,
  parse,
  parseDocument,
  Scalar,
  visit,
  type Node,
  type ToStringOptions,
} from "yaml";
import { HealError } from "./errors.ts";

export const YAML_MAX_BYTES = 1024 * 1024;
/** Enough for hand-written anchors; an alias bomb needs thousands. */
export const YAML_MAX_ALIASES = 50;

/** The only tags a file may carry: YAML's core schema. Anything else (`!!js/function`, `!foo`) is refused. */
const ALLOWED_TAGS = new Set([
  "tag:yaml.org,2002:str",
  "tag:yaml.org,2002:int",
  "tag:yaml.org,2002:float",
  "tag:yaml.org,2002:bool",
  "tag:yaml.org,2002:null",
  "tag:yaml.org,2002:map",
  "tag:yaml.org,2002:seq",
]);

export interface ReadYamlOptions {
  maxBytes?: number;
}

const PARSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  uniqueKeys: true,
  merge: false,
  resolveKnownTags: false,
  strict: true,
  prettyErrors: true,
} as const;

function position(lc: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return "";
  const { line, col } = lc.linePos(offset);
  return `line ${line}, column ${col}: `;
}

/**
 * Parses YAML text into a Document with the limits applied. For callers that need node positions
 * (lib/config.ts reports the line of a wrong field); most callers want parseYamlSafe().
 */
export function parseYamlSafeDocument(text: string, file: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  } catch (err) {
    throw new HealError("CONFIG_UNREADABLE", `not valid YAML: ${(err as Error).message.split("\n")[0]}`, file);
  }
  const first = doc.errors[0];
  if (first) {
    const code = first.code === "DUPLICATE_KEY" ? "CONFIG_INVALID" : "CONFIG_UNREADABLE";
    const what = first.code === "DUPLICATE_KEY" ? "duplicate key" : "not valid YAML";
    throw new HealError(
      code,
      `${what} at ${position(lineCounter, first.pos[0])}${first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      file,
    );
  }
  const warning = doc.warnings[0];
  if (warning) {
    throw new HealError(
      "CONFIG_INVALID",
      `${position(lineCounter, warning.pos[0])}${warning.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      file,
    );
  }
  let aliases = 0;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      aliases++;
      if (aliases > YAML_MAX_ALIASES) {
        throw new HealError("CONFIG_INVALID", `more than ${YAML_MAX_ALIASES} aliases (*name): refusing a possible alias bomb`, file);
      }
      return;
    }
    if ((isScalar(node) || isCollection(node)) && node.tag) {
      const tag = node.tag.startsWith("!!") ? `tag:yaml.org,2002:${node.tag.slice(2)}` : node.tag;
      if (!ALLOWED_TAGS.has(tag)) {
        throw new HealError(
          "CONFIG_INVALID",
          `${position(lineCounter, (node as Node).range?.[0])}tag ${node.tag} is not allowed (only YAML's core types)`,
          file,
        );
      }
    }
  });
  return { doc, lineCounter };
}

/** Parses YAML text with the limits applied; returns plain JS values. */
export function parseYamlSafe(text: string, file: string, opts: ReadYamlOptions = {}): unknown {
  const maxBytes = opts.maxBytes ?? YAML_MAX_BYTES;
  if (Buffer.byteLength(text, "utf8") > maxBytes) {
    throw new HealError("CONFIG_UNREADABLE", `larger than ${maxBytes} bytes: refusing to parse it`, file);
  }
  const { doc } = parseYamlSafeDocument(text, file);
  try {
    return doc.toJS({ maxAliasCount: YAML_MAX_ALIASES });
  } catch (err) {
    throw new HealError("CONFIG_INVALID", `${(err as Error).message.split("\n")[0]}`, file);
  }
}

/** Reads and parses a YAML file: size checked before reading, UTF-8 required. */
export function readYamlFile(path: string, opts: ReadYamlOptions = {}): unknown {
  const maxBytes = opts.maxBytes ?? YAML_MAX_BYTES;
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new HealError("CONFIG_UNREADABLE", "not a regular file", path);
    if (st.size > maxBytes) throw new HealError("CONFIG_UNREADABLE", `${st.size} bytes, larger than the ${maxBytes}-byte limit`, path);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof HealError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new HealError(
      "CONFIG_UNREADABLE",
      code === "ENOENT" ? "file not found" : `cannot read it (${code ?? (err as Error).message})`,
      path,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HealError("CONFIG_UNREADABLE", "not UTF-8 text", path);
  }
  return parseYamlSafe(text, path, { maxBytes });
}

// Short single-line strings made only of characters YAML 1.1 scalars use (booleans, nulls, numbers
// with `_` and `:`, timestamps) can change type when written plain; longer or other strings cannot.
const MAYBE_TYPED = /^[-+.~:_ 0-9A-Za-z]{1,40}$/;

function readsBackAsItself(s: string): boolean {
  for (const version of ["1.1", "1.2"] as const) {
    try {
      if (parse(s, { version }) !== s) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const STRINGIFY_OPTIONS: ToStringOptions = {
  lineWidth: 0,
  minContentWidth: 0,
  indent: 2,
};

/**
 * YAML for the task file and other output: deterministic (same value, same bytes), no anchors, and
 * every string reads back exactly, including names with `: `, `#`, `&a`, `*a`, `!!`, `---`, quotes,
 * newlines, and words YAML 1.1 would turn into booleans or numbers. Lone surrogates become U+FFFD
 * (they cannot be written as UTF-8 at all).
 */
export function stringifyYamlSafe(value: unknown): string {
  const doc = new Document(value, { aliasDuplicateObjects: false, version: "1.2" });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      // Lone surrogates cannot be encoded as UTF-8: U+FFFD, as String.prototype.toWellFormed does.
      const s = node.value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
      node.value = s;
      if (/[\u0085\u2028\u2029\ufeff]/.test(s) || /^(?:---|\.\.\.)/.test(s) || (!s.includes("\n") && s.includes("\t"))) {
        // NEL/LS/PS/BOM are line breaks or invisible to YAML 1.1; PyYAML refuses a tab in a plain scalar.
        node.type = Scalar.QUOTE_DOUBLE;
      } else if (!s.includes("\n") && MAYBE_TYPED.test(s) && !readsBackAsItself(s)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString(STRINGIFY_OPTIONS);
}
