// Checks requests and responses against GitHub's official OpenAPI description (@octokit/openapi), so a test
// fails when the tool sends something real GitHub would reject, or when the double answers unlike GitHub.
// The spec is OpenAPI 3.0 (13 MB): `nullable`, `oneOf` and custom formats are translated for ajv, and each
// operation's schemas are compiled on first use and cached.
import Ajv, { type ErrorObject, type Format, type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";

export const SPEC_PATH = join(TOOLKIT_ROOT, "node_modules/@octokit/openapi/generated/api.github.com.json");
const SPEC_ID = "https://api.github.com.spec/openapi.json";

type Json = any; // the spec is untyped JSON

export interface Operation {
  operationId: string;
  method: string;
  /** Path template as the spec writes it: `/repos/{owner}/{repo}/issues`. */
  template: string;
  /** URL-decoded path parameters. */
  pathParams: Record<string, string>;
  docsUrl: string;
}

export interface RequestCheck {
  ok: boolean;
  /** What GitHub would answer when !ok: 400 (unparsable) or 422 (invalid). */
  status?: 400 | 422;
  /** GitHub-style message for the error body. */
  message?: string;
  /** Human-readable problems, for the violation log. */
  problems: string[];
  /** Parameters GitHub silently ignores (not in the spec): a typo in the tool. Not a rejection. */
  unknown: string[];
}

interface Route {
  template: string;
  method: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

/** Rewrites OpenAPI 3.0 into JSON Schema that ajv understands; refs point into the registered spec document. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples" || key === "description" || key === "discriminator") continue;
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/")) out.$ref = SPEC_ID + value;
    else if (key === "oneOf")
      out.anyOf = toJsonSchema(value); // GitHub's oneOf branches overlap; exclusivity is not what it checks
    else if (key === "properties" || key === "patternProperties") {
      out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toJsonSchema(v)]));
    } else out[key] = toJsonSchema(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return { anyOf: [out, { type: "null" }] };
  }
  delete out.nullable;
  return out;
}

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export class OpenApiValidator {
  readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly coercing: Ajv;
  private readonly routes: Route[] = [];
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor(specPath = SPEC_PATH) {
    this.spec = JSON.parse(readFileSync(specPath, "utf8"));
    // Formats GitHub's spec uses; the numeric and opaque ones are not checked (true = accept).
    const formats: Record<string, Format> = {
      "date-time": DATE_TIME,
      date: /^\d{4}-\d\d-\d\d$/,
      uri: (s: string) => URL.canParse(s),
      "uri-template": true,
      email: /^[^\s@]+@[^\s@]+$/,
      int32: true,
      int64: true,
      double: true,
      binary: true,
      timestamp: true,
      "repo.nwo": /^[^/\s]+\/[^/\s]+$/,
    };
    const options = { strict: false, allErrors: true, validateSchema: false, formats, addUsedSchema: false } as const;
    this.ajv = new Ajv(options);
    this.coercing = new Ajv({ ...options, coerceTypes: "array" });
    const components = { $id: SPEC_ID, components: toJsonSchema(this.spec.components) };
    this.ajv.addSchema(components);
    this.coercing.addSchema(components);
    for (const [template, item] of Object.entries<Json>(this.spec.paths)) {
      const names: string[] = [];
      const source = template
        .split("/")
        .map((seg) => {
          const m = /^\{(.+)\}$/.exec(seg);
          if (m) {
            names.push(m[1]!);
            return "([^/]+)";
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        })
        .join("/");
      const literalSegments = template.split("/").filter((s) => s && !s.startsWith("{")).length;
      for (const method of Object.keys(item)) {
        if (!["get", "post", "put", "patch", "delete", "head"].includes(method)) continue;
        this.routes.push({ template, method: method.toUpperCase(), regex: new RegExp(`^${source}$`), names, literalSegments });
      }
    }
  }

  /** Finds the documented operation for a method and a path (no query); undefined when GitHub has none. */
  match(method: string, path: string): Operation | undefined {
    let best: Route | undefined;
    let bestParams: string[] = [];
    for (const r of this.routes) {
      if (r.method !== method.toUpperCase()) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      if (!best || r.literalSegments > best.literalSegments) {
        best = r;
        bestParams = m.slice(1);
      }
    }
    if (!best) return undefined;
    const op = this.operation(best.template, best.method);
    const decode = (v: string) => {
      try {
        return decodeURIComponent(v);
      } catch {
        return v; // malformed %-escape: keep it raw, the lookup then finds nothing (404)
      }
    };
    const pathParams = Object.fromEntries(best.names.map((n, i) => [n, decode(bestParams[i]!)]));
    return {
      operationId: op.operationId,
      method: best.method,
      template: best.template,
      pathParams,
      docsUrl: op.externalDocs?.url ?? "https://docs.github.com/rest",
    };
  }

  private operation(template: string, method: string): Json {
    return this.spec.paths[template][method.toLowerCase()];
  }

  private resolve(node: Json): Json {
    while (node && typeof node.$ref === "string") {
      node = node.$ref
        .slice(2)
        .split("/")
        .reduce((acc: Json, seg: string) => acc[seg.replace(/~1/g, "/").replace(/~0/g, "~")], this.spec);
    }
    return node;
  }

  private compiled(key: string, build: () => Json | undefined, coerce = false): ValidateFunction | null {
    if (!this.cache.has(key)) {
      const schema = build();
      this.cache.set(key, schema === undefined ? null : (coerce ? this.coercing : this.ajv).compile(toJsonSchema(schema)));
    }
    return this.cache.get(key)!;
  }

  private parameters(op: Operation): Json[] {
    const raw = this.operation(op.template, op.method);
    const item = this.spec.paths[op.template];
    return [...(item.parameters ?? []), ...(raw.parameters ?? [])].map((p: Json) => this.resolve(p));
  }

  /** Checks path parameters, query parameters and the JSON body the way GitHub's request validation does. */
  checkRequest(op: Operation, query: Record<string, string>, rawBody: string | undefined): RequestCheck {
    const problems: string[] = [];
    const unknown: string[] = [];
    const params = this.parameters(op);
    const key = `${op.method} ${op.template}`;

    for (const where of ["path", "query"] as const) {
      const values = where === "path" ? op.pathParams : query;
      const declared = params.filter((p) => p.in === where);
      if (where === "query")
        for (const name of Object.keys(query)) if (!declared.some((p) => p.name === name)) unknown.push(`query parameter '${name}'`);
      const validate = this.compiled(
        `${key} ${where}`,
        () => ({
          type: "object",
          properties: Object.fromEntries(declared.map((p) => [p.name, p.schema ?? {}])),
          required: declared.filter((p) => p.required).map((p) => p.name),
        }),
        true,
      )!;
      const copy: Record<string, unknown> = { ...values };
      if (!validate(copy)) problems.push(...describe(validate.errors, `${where} `));
    }

    const op3 = this.operation(op.template, op.method);
    const bodySpec = op3.requestBody;
    const bodySchema = bodySpec?.content?.["application/json"]?.schema;
    let body: unknown;
    if (rawBody !== undefined && rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return { ok: false, status: 400, message: "Problems parsing JSON", problems: ["body is not valid JSON"], unknown };
      }
    }
    if (bodySchema) {
      if (body === undefined && bodySpec.required) {
        problems.push("body: required but missing");
      } else if (body !== undefined) {
        const validate = this.compiled(`${key} body`, () => bodySchema)!;
        if (!validate(body)) problems.push(...describe(validate.errors, "body"));
        const resolved = this.resolve(bodySchema);
        if (resolved?.properties && body && typeof body === "object" && !Array.isArray(body)) {
          for (const k of Object.keys(body)) if (!(k in resolved.properties)) unknown.push(`body field '${k}'`);
        }
      }
    } else if (body !== undefined && op.method !== "GET" && op.method !== "DELETE") {
      unknown.push("a request body (the operation takes none)");
    }
    if (problems.length === 0) return { ok: true, problems, unknown };
    return { ok: false, status: 422, message: githubInvalidMessage(validateFirst(problems)), problems, unknown };
  }

  /** Statuses the spec documents for an operation. */
  documentedStatuses(op: Operation): string[] {
    return Object.keys(this.operation(op.template, op.method).responses ?? {});
  }

  /**
   * Validates a response body against the schema documented for its status. Returns problems (empty = fine).
   * `documented` is false when the spec lists no such status for the operation.
   */
  checkResponse(op: Operation, status: number, body: unknown): { documented: boolean; problems: string[] } {
    const responses = this.operation(op.template, op.method).responses ?? {};
    const entry = responses[String(status)] ?? responses.default;
    if (!entry) return { documented: false, problems: [] };
    const resolved = this.resolve(entry);
    const schema = resolved?.content?.["application/json"]?.schema;
    if (!schema) {
      if (status === 204 || status === 304)
        return { documented: true, problems: body === undefined || body === "" ? [] : ["a body on a no-content response"] };
      return { documented: true, problems: [] };
    }
    const validate = this.compiled(`${op.method} ${op.template} response ${status}`, () => schema)!;
    return { documented: true, problems: validate(body) ? [] : describe(validate.errors, "response") };
  }
}

function describe(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  if (!errors) return [];
  // anyOf produces one error per branch; keep them but drop duplicates.
  return [
    ...new Set(
      errors.map((e) =>
        `${prefix}${e.instancePath || ""} ${e.message ?? "invalid"}${e.params && "missingProperty" in e.params ? "" : ` ${JSON.stringify(e.params)}`}`.trim(),
      ),
    ),
  ];
}

function validateFirst(problems: string[]): string {
  return problems[0] ?? "invalid";
}

/** GitHub answers schema failures with `Invalid request.\n\n<what>` (e.g. `"title" wasn't supplied.`). */
function githubInvalidMessage(problem: string): string {
  const missing = /must have required property '([^']+)'/.exec(problem);
  if (missing) return `Invalid request.\n\n"${missing[1]}" wasn't supplied.`;
  return `Invalid request.\n\n${problem}`;
}

let shared: OpenApiValidator | undefined;
/** One parsed spec per process: parsing takes a few hundred milliseconds. */
export function sharedValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}
