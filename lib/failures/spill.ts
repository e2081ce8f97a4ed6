// Failing test cases and built records on disk instead of in memory: a 1 GB report with 283,000 failures holds
// ~400 MB of failure text, which kept as objects peaked at 1.7 GB. Only small numbers (hashes, offsets) and
// the sort keys of records stay in memory.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FailureRecord } from "../types.ts";
import { cmp } from "./records.ts";
import { GarbageGuard } from "./memory-guard.ts";

/** An append-only file of texts, each read back by its index. */
class TextFile {
  private readonly dir: string;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private written = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  /** Texts appended. */
  count = 0;
  private readonly guard = new GarbageGuard(1 << 22);

  constructor(name: string) {
    this.dir = mkdtempSync(join(tmpdir(), "heal-spill-"));
    this.fd = openSync(join(this.dir, name), "w+");
  }

  append(text: string): number {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.buf.length - this.used) this.flush();
    if (this.count === this.offsets.length) {
      const offsets = new Float64Array(this.count * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Uint32Array(this.count * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    this.offsets[this.count] = this.written + this.used;
    this.lengths[this.count] = bytes;
    if (bytes > this.buf.length) {
      for (let at = 0; at < bytes; ) at += writeSync(this.fd, Buffer.from(text), at, bytes - at, this.written + at);
      this.written += bytes;
    } else this.used += this.buf.write(text, this.used);
    this.guard.tick(text.length);
    return this.count++;
  }

  /** Forgets the texts from index `n` on (their bytes stay in the file, unread). */
  truncate(n: number): void {
    this.count = Math.min(this.count, n);
  }

  private flush(): void {
    for (let at = 0; at < this.used; ) at += writeSync(this.fd, this.buf, at, this.used - at, this.written + at);
    this.written += this.used;
    this.used = 0;
  }

  read(i: number): string {
    this.flush();
    const length = this.lengths[i]!;
    const out = Buffer.allocUnsafe(length);
    for (let at = 0; at < length; ) {
      const n = readSync(this.fd, out, at, length - at, this.offsets[i]! + at);
      if (n === 0) throw new Error("spill file ended early");
      at += n;
    }
    return out.toString("utf8");
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Kept test cases (JSON) with their identity hash and their position in the reports. */
export class OccurrenceSpill<T> {
  private readonly file = new TextFile("occurrences.jsonl");
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private order = new Float64Array(1024);

  get count(): number {
    return this.file.count;
  }

  add(item: T, hi: number, lo: number, order: number): void {
    const i = this.file.count;
    if (i === this.hi.length) {
      const grow = <A extends Uint32Array | Float64Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.hi = grow(this.hi, (n) => new Uint32Array(n));
      this.lo = grow(this.lo, (n) => new Uint32Array(n));
      this.order = grow(this.order, (n) => new Float64Array(n));
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.order[i] = order;
    this.file.append(JSON.stringify(item));
    // Each kept case leaves young garbage of a few times its text: a minor collection now and then is cheap.
    if ((i & 255) === 255) Bun.gc(false);
  }

  truncate(n: number): void {
    this.file.truncate(n);
  }

  /**
   * The items grouped by identity: `order` holds item indices sorted by identity then report position, and
   * group g is order[starts[g]] .. order[starts[g + 1] - 1] (no object per group).
   */
  groups(): { order: Uint32Array; starts: Uint32Array; count: number } {
    const n = this.file.count;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { hi, lo, order: pos } = this;
    order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || pos[a]! - pos[b]!);
    const starts = new Uint32Array(n + 1);
    let count = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const prev = k > 0 ? order[k - 1]! : -1;
      if (k === 0 || hi[i] !== hi[prev] || lo[i] !== lo[prev]) starts[count++] = k;
    }
    starts[count] = n;
    return { order, starts, count };
  }

  hashOf(i: number): [number, number] {
    return [this.hi[i]!, this.lo[i]!];
  }

  read(i: number): T {
    return JSON.parse(this.file.read(i)) as T;
  }

  close(): void {
    this.file.close();
  }
}

/**
 * Failure records written as failures.json's list items (JSON.stringify(record, null, 2) indented by four
 * spaces), kept in memory only by their sort keys in parallel arrays (no object per record), read back in order.
 */
export class RecordSpool {
  private readonly file = new TextFile("records.jsonl");
  private readonly fileIds = new Map<string, number>();
  private readonly fileNames: (string | null)[] = [null];
  private fileOf = new Uint32Array(1024);
  private lineOf = new Float64Array(1024);
  private readonly names: string[] = [];
  private readonly frameworks: string[] = [];
  private readonly ids: string[] = [];

  add(r: FailureRecord): void {
    const at = this.file.append(JSON.stringify(r, null, 2).replaceAll("\n", "\n    "));
    if (at === this.fileOf.length) {
      const files = new Uint32Array(at * 2);
      files.set(this.fileOf);
      this.fileOf = files;
      const lines = new Float64Array(at * 2);
      lines.set(this.lineOf);
      this.lineOf = lines;
    }
    let f = 0;
    if (r.file !== null) {
      f = this.fileIds.get(r.file) ?? 0;
      if (f === 0) {
        f = this.fileNames.push(r.file) - 1;
        this.fileIds.set(r.file, f);
      }
    }
    this.fileOf[at] = f;
    this.lineOf[at] = r.line ?? -1;
    this.names.push(r.fullName);
    this.frameworks.push(r.framework);
    this.ids.push(r.id);
  }

  get count(): number {
    return this.names.length;
  }

  /** The items' texts in compareFailures' order (file, line, fullName, framework, id; null file and line last). */
  *sorted(): Generator<string> {
    const { fileNames, fileOf, lineOf, names, frameworks, ids } = this;
    // Files ranked once: comparing two records' files is then comparing two numbers.
    const byName = fileNames.map((_, f) => f).sort((a, b) => cmp(fileNames[a] ?? "\uffff", fileNames[b] ?? "\uffff"));
    const rank = new Uint32Array(fileNames.length);
    byName.forEach((f, r) => {
      rank[f] = r;
    });
    const line = (i: number) => (lineOf[i] === -1 ? Number.MAX_SAFE_INTEGER : lineOf[i]!);
    const order = new Uint32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort(
      (a, b) =>
        rank[fileOf[a]!]! - rank[fileOf[b]!]! ||
        line(a) - line(b) ||
        cmp(names[a]!, names[b]!) ||
        cmp(frameworks[a]!, frameworks[b]!) ||
        cmp(ids[a]!, ids[b]!),
    );
    let n = 0;
    for (const i of order) {
      yield this.file.read(i);
      if ((++n & 255) === 0) Bun.gc(false); // each text read is garbage once written
    }
  }

  close(): void {
    this.file.close();
  }
}
