// Failing test cases and built records kept until they are grouped and sorted: in memory while they are small,
// on disk past a budget. A 1 GB report with 283,000 failures holds ~400 MB of failure text, which kept as
// objects peaked at 1.7 GB; a report with a few thousand failures never pays for a file, JSON round trips and
// forced collections. Only small numbers (hashes, offsets) and the records' sort keys stay in memory on disk.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FailureRecord } from "../types.ts";
import { cmp } from "./records.ts";
import { GarbageGuard } from "./memory-guard.ts";

/**
 * Characters of failure text each store keeps in memory before it moves to disk (~16 MB of Latin-1 text:
 * the 1 GB report's peak stays under 256 MB). HEAL_SPILL_BUDGET overrides it (tests run the disk path with 0).
 */
export function spillBudget(env: Record<string, string | undefined> = process.env): number {
  const v = env.HEAL_SPILL_BUDGET?.trim();
  return v && /^\d+$/.test(v) ? Number(v) : 16 * 1024 * 1024;
}

/** `a` itself while index `at` fits in it, else a copy twice as long (the parallel arrays of numbers below). */
function room<A extends Uint32Array | Float64Array>(a: A, at: number): A {
  if (at < a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

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
    this.offsets = room(this.offsets, this.count);
    this.lengths = room(this.lengths, this.count);
    // A UTF-8 text takes at most 3 bytes per UTF-16 unit: when that fits, the write itself says how many it took
    // (measuring every text with byteLength first cost a scan of it).
    if (text.length * 3 > this.buf.length - this.used) this.flush();
    if (text.length * 3 > this.buf.length) {
      const bytes = Buffer.from(text);
      this.offsets[this.count] = this.written;
      this.lengths[this.count] = bytes.length;
      for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at, this.written + at);
      this.written += bytes.length;
    } else {
      this.offsets[this.count] = this.written + this.used;
      const n = this.buf.write(text, this.used);
      this.lengths[this.count] = n;
      this.used += n;
    }
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

  /** The text at index `i`: from the window when it lies there, else the window moves to it (read ahead). */
  read(i: number): string {
    return this.window.read(i);
  }

  /** A reader with a window of its own (`size` bytes), for reading several stretches of the file in turn. */
  reader(size?: number): TextReader {
    this.flush();
    return new TextReader(this, size);
  }

  /** Reads `length` bytes at `offset` into `into` (what is written so far); the bytes read. */
  readAt(into: Buffer, offset: number, length: number): number {
    this.flush();
    let at = 0;
    while (at < length) {
      const n = readSync(this.fd, into, at, length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    return at;
  }

  offsetOf(i: number): number {
    return this.offsets[i]!;
  }

  lengthOf(i: number): number {
    return this.lengths[i]!;
  }

  get size(): number {
    return this.written + this.used;
  }

  private windowReader: TextReader | undefined;
  private get window(): TextReader {
    return (this.windowReader ??= new TextReader(this));
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Reads a TextFile's texts through a window of 1 MB read ahead: texts read in file order cost one read per
 * window, not one per text (a 300 MB report's 83,000 failures were 166,000 reads and as many buffers).
 */
class TextReader {
  private buf: Buffer | undefined;
  private start = 0;
  private length = 0;
  constructor(
    private readonly file: TextFile,
    private readonly size = 1 << 20,
  ) {}

  read(i: number): string {
    const offset = this.file.offsetOf(i);
    const length = this.file.lengthOf(i);
    if (length > this.size / 4) {
      const out = Buffer.allocUnsafe(length);
      if (this.file.readAt(out, offset, length) < length) throw new Error("spill file ended early");
      return out.toString("utf8");
    }
    if (offset < this.start || offset + length > this.start + this.length) {
      this.buf ??= Buffer.allocUnsafe(this.size);
      this.start = offset;
      this.length = this.file.readAt(this.buf, offset, Math.min(this.size, this.file.size - offset));
      if (this.length < length) throw new Error("spill file ended early");
    }
    return this.buf!.toString("utf8", offset - this.start, offset - this.start + length);
  }
}

/**
 * Items kept in memory until their weight passes the budget, then all of them (and every later one) as text
 * in a TextFile. In memory an item is the object itself: no text, no parse, no file.
 */
class Store<T> {
  private items: T[] = [];
  private weight = 0;
  private file: TextFile | undefined;
  constructor(
    private readonly name: string,
    private readonly budget: number,
    private readonly weigh: (item: T) => number,
    private readonly toText: (item: T) => string,
    private readonly fromText: (text: string) => T,
  ) {}

  get count(): number {
    return this.file ? this.file.count : this.items.length;
  }

  get onDisk(): boolean {
    return this.file !== undefined;
  }

  append(item: T): number {
    if (this.file) return this.file.append(this.toText(item));
    this.weight += this.weigh(item);
    if (this.weight <= this.budget) return this.items.push(item) - 1;
    // Over budget: everything kept so far moves to disk, in order, and memory lets go of it.
    const file = new TextFile(this.name);
    for (const kept of this.items) file.append(this.toText(kept));
    this.items = [];
    this.file = file;
    return file.append(this.toText(item));
  }

  truncate(n: number): void {
    if (this.file) this.file.truncate(n);
    else if (n < this.items.length) {
      for (let i = n; i < this.items.length; i++) this.weight -= this.weigh(this.items[i]!);
      this.items.length = n;
    }
  }

  read(i: number): T {
    return this.file ? this.fromText(this.file.read(i)) : this.items[i]!;
  }

  close(): void {
    this.file?.close();
    this.items = [];
  }
}

/** Kept test cases with their identity hash and their position in the reports (JSON lines once on disk). */
export class OccurrenceSpill<T> {
  private readonly store: Store<T>;
  constructor(
    weigh: (item: T) => number,
    budget = spillBudget(),
    /** How an item is written on disk and read back (default JSON). */
    codec: { toText: (item: T) => string; fromText: (text: string) => T } = {
      toText: (item) => JSON.stringify(item),
      fromText: (text) => JSON.parse(text) as T,
    },
  ) {
    this.store = new Store<T>("occurrences.jsonl", budget, weigh, codec.toText, codec.fromText);
  }
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private order = new Float64Array(1024);

  get count(): number {
    return this.store.count;
  }

  /** Whether the items moved to disk (past the budget): reading them back then makes garbage. */
  get onDisk(): boolean {
    return this.store.onDisk;
  }

  add(item: T, hi: number, lo: number, order: number): void {
    const i = this.store.count;
    this.hi = room(this.hi, i);
    this.lo = room(this.lo, i);
    this.order = room(this.order, i);
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.order[i] = order;
    this.store.append(item);
    // On disk each kept case leaves young garbage of a few times its text: a minor collection now and then is cheap.
    if ((i & 255) === 255 && this.store.onDisk) Bun.gc(false);
  }

  truncate(n: number): void {
    this.store.truncate(n);
  }

  /**
   * The items grouped by identity: `order` holds item indices sorted by identity then report position, and
   * group g is order[starts[g]] .. order[starts[g + 1] - 1] (no object per group); `seq` lists the groups in
   * the order their first items were added.
   */
  groups(): { order: Uint32Array; starts: Uint32Array; count: number; seq: Uint32Array } {
    const n = this.store.count;
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
    // Groups in the order their first items were kept: reading them then goes through the file front to back.
    const seq = new Uint32Array(count);
    for (let g = 0; g < count; g++) seq[g] = g;
    const first = new Uint32Array(count);
    for (let g = 0; g < count; g++) {
      let min = order[starts[g]!]!;
      for (let k = starts[g]! + 1; k < starts[g + 1]!; k++) if (order[k]! < min) min = order[k]!;
      first[g] = min;
    }
    seq.sort((a, b) => first[a]! - first[b]!);
    return { order, starts, count, seq };
  }

  hashOf(i: number): [number, number] {
    return [this.hi[i]!, this.lo[i]!];
  }

  read(i: number): T {
    return this.store.read(i);
  }

  close(): void {
    this.store.close();
  }
}

/**
 * Failure records written as failures.json's list items (JSON.stringify(record, null, 2) indented by four
 * spaces), in memory up to the budget; past it each batch goes to disk as a run sorted by the records' keys,
 * and the runs are merged when read (an external sort: every run read front to back). The sort keys stay in
 * memory in parallel arrays (no object per record).
 */
export class RecordSpool {
  private file: TextFile | undefined;
  /** Each run on disk: its records' indices in sorted order, and where its texts start in the file. */
  private readonly runs: { items: Uint32Array; first: number }[] = [];
  private batch: string[] = [];
  private batchStart = 0;
  private batchWeight = 0;
  private readonly fileIds = new Map<string, number>();
  private readonly fileNames: (string | null)[] = [null];
  private fileOf = new Uint32Array(1024);
  private lineOf = new Float64Array(1024);
  private readonly names: string[] = [];
  private readonly frameworks: string[] = [];
  private readonly ids: string[] = [];

  constructor(
    private readonly budget = spillBudget(),
    /** Records a run holds at least: a tiny budget never makes a run per record (a merge of 283,000 runs). */
    private readonly minRun = 1024,
  ) {}

  add(r: FailureRecord): void {
    const at = this.names.length;
    const text = listItemJson(r);
    this.fileOf = room(this.fileOf, at);
    this.lineOf = room(this.lineOf, at);
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
    this.batch.push(text);
    this.batchWeight += text.length;
    if (this.batchWeight > this.budget && this.batch.length >= this.minRun) this.spillBatch();
  }

  get count(): number {
    return this.names.length;
  }

  /** compareFailures on two records' keys (null file and line last), by index; `rank` orders the files. */
  private comparator(rank?: Uint32Array): (a: number, b: number) => number {
    const { fileNames, fileOf, lineOf, names, frameworks, ids } = this;
    const line = (i: number) => (lineOf[i] === -1 ? Number.MAX_SAFE_INTEGER : lineOf[i]!);
    const files = rank
      ? (a: number, b: number) => rank[fileOf[a]!]! - rank[fileOf[b]!]!
      : (a: number, b: number) => cmp(fileNames[fileOf[a]!] ?? "\uffff", fileNames[fileOf[b]!] ?? "\uffff");
    return (a, b) =>
      files(a, b) || line(a) - line(b) || cmp(names[a]!, names[b]!) || cmp(frameworks[a]!, frameworks[b]!) || cmp(ids[a]!, ids[b]!);
  }

  /** The batch in memory, sorted (a stable sort: equal keys keep the order they were added in). */
  private sortedBatch(compare: (a: number, b: number) => number): Uint32Array {
    const items = new Uint32Array(this.batch.length);
    for (let k = 0; k < items.length; k++) items[k] = this.batchStart + k;
    return items.sort(compare);
  }

  private spillBatch(): void {
    const file = (this.file ??= new TextFile("records.jsonl"));
    const items = this.sortedBatch(this.comparator());
    const first = file.count;
    for (const i of items) file.append(this.batch[i - this.batchStart]!);
    this.runs.push({ items, first });
    this.batchStart += this.batch.length;
    this.batch = [];
    this.batchWeight = 0;
  }

  /** The items' texts in compareFailures' order (file, line, fullName, framework, id; null file and line last). */
  *sorted(): Generator<string> {
    const { fileNames } = this;
    // Files ranked once: comparing two records' files is then comparing two numbers.
    const byName = fileNames.map((_, f) => f).sort((a, b) => cmp(fileNames[a] ?? "\uffff", fileNames[b] ?? "\uffff"));
    const rank = new Uint32Array(fileNames.length);
    byName.forEach((f, r) => {
      rank[f] = r;
    });
    const compare = this.comparator(rank);
    const last = this.sortedBatch(compare);
    if (!this.file) {
      for (const i of last) yield this.batch[i - this.batchStart]!;
      return;
    }
    // Merge the runs and the batch still in memory through a heap of cursors, each on its run's next record;
    // equal keys go by index, as one stable sort of all would.
    type Cursor = { items: Uint32Array; at: number; text: (k: number) => string };
    // 8 MB of windows in all: 1 MB each while the runs are few, smaller when there are many.
    const window = Math.max(16 * 1024, Math.min(1 << 20, Math.floor((8 << 20) / this.runs.length)));
    const heap: Cursor[] = this.runs.map(({ items, first }) => {
      const reader = this.file!.reader(window);
      return { items, at: 0, text: (k: number) => reader.read(first + k) };
    });
    if (last.length > 0) heap.push({ items: last, at: 0, text: (k) => this.batch[last[k]! - this.batchStart]! });
    const before = (x: Cursor, y: Cursor) => {
      const a = x.items[x.at]!;
      const b = y.items[y.at]!;
      const d = compare(a, b);
      return d < 0 || (d === 0 && a < b);
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) return;
        const c = l + 1 < heap.length && before(heap[l + 1]!, heap[l]!) ? l + 1 : l;
        if (!before(heap[c]!, heap[i]!)) return;
        [heap[i], heap[c]] = [heap[c]!, heap[i]!];
        i = c;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    let n = 0;
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.text(top.at++);
      if (top.at === top.items.length) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      down(0);
      if ((++n & 1023) === 0) Bun.gc(false); // each text read from disk is garbage once written
    }
  }

  close(): void {
    this.file?.close();
    this.batch = [];
  }
}

/**
 * `JSON.stringify(item, null, 2)` with every line after the first indented by four more spaces (an item of one of
 * failures.json's lists; undefined is "null" as in an array): the item stringified two arrays deep, where
 * JSON.stringify indents it so itself, and cut out. A replace of every newline after it cost as much again.
 */
export function listItemJson(item: unknown): string {
  const text = JSON.stringify([[item]], null, 2);
  // "[\n  [\n    " before the item, "\n  ]\n]" after it.
  return text.slice(10, text.length - 6);
}
