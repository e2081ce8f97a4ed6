// Test identities and their status counts in bounded memory, and the 64-bit identity hash they are keyed by.
import type { Framework } from "../types.ts";

/**
 * Test identities and their status counts in bounded memory: a 64-bit hash of each test's identity in open-addressing
 * tables of typed arrays (8 bytes of hash and 1 byte of counts a slot), so a passing or skipped case costs about
 * 14 bytes and none of its strings is kept (they would pin the parser's read chunks). The hash's top byte picks
 * one of 256 shards, each growing on its own, so growing never holds two copies of the whole table. Two
 * different keys share a hash with probability about n²/2^65 (4 million tests: 4e-7); they would then count as
 * one test. Counts of 0-6 passes, 0-6 failures and 0-4 skips are packed in the byte; larger ones live in a Map.
 */
export class IdentityTable {
  size = 0;
  private shards: (Shard | undefined)[] = new Array(256);
  private big = new Map<string, [number, number, number]>();

  private shardFor(hi: number): Shard {
    const k = hi >>> 24;
    return (this.shards[k] ??= newShard(64));
  }

  /** Slot of (hi, lo) in its shard, inserting it with zero counts when new. */
  private slotFor(sh: Shard, hi: number, lo: number): number {
    if ((sh.size + 1) * 5 > sh.cap * 4) growShard(sh);
    const j = findSlot(sh, hi, lo);
    if (sh.keys[2 * j] === 0 && sh.keys[2 * j + 1] === 0) {
      sh.keys[2 * j] = hi;
      sh.keys[2 * j + 1] = lo;
      sh.size++;
      this.size++;
    }
    return j;
  }

  // The counts read last (no array per read: forEach runs once per test of a multi-million-case report).
  private p = 0;
  private f = 0;
  private s = 0;
  private read(sh: Shard, j: number): void {
    const v = sh.counts[j]!;
    if (v === BIG) [this.p, this.f, this.s] = this.big.get(`${sh.keys[2 * j]}:${sh.keys[2 * j + 1]}`)!;
    else {
      this.p = v % 7;
      this.f = Math.floor(v / 7) % 7;
      this.s = Math.floor(v / 49);
    }
  }

  private write(sh: Shard, j: number, p: number, f: number, s: number): void {
    // The Map's key only for the rare large counts (not a string per write).
    const name = () => `${sh.keys[2 * j]}:${sh.keys[2 * j + 1]}`;
    if (p <= 6 && f <= 6 && s <= 4) {
      if (sh.counts[j] === BIG) this.big.delete(name());
      sh.counts[j] = p + 7 * f + 49 * s;
    } else {
      sh.counts[j] = BIG;
      this.big.set(name(), [p, f, s]);
    }
  }

  /** Adds counts to the identity (inserting it when new). */
  add(hi: number, lo: number, p: number, f: number, s: number): void {
    const sh = this.shardFor(hi);
    const j = this.slotFor(sh, hi, lo);
    const v = sh.counts[j]!;
    if (v === 0 && p <= 6 && f <= 6 && s <= 4) {
      sh.counts[j] = p + 7 * f + 49 * s;
      return;
    }
    this.read(sh, j);
    this.write(sh, j, this.p + p, this.f + f, this.s + s);
  }

  /**
   * Inserts the identity with these counts when it is new and says so; one that is there is left as it is
   * (has() then add() in one probe: the common case of a report's case seen once).
   */
  addNew(hi: number, lo: number, p: number, f: number, s: number): boolean {
    const sh = this.shardFor(hi);
    const before = this.size;
    const j = this.slotFor(sh, hi, lo);
    if (this.size === before) return false;
    if (p <= 6 && f <= 6 && s <= 4) sh.counts[j] = p + 7 * f + 49 * s;
    else this.write(sh, j, p, f, s);
    return true;
  }

  /** Sets the counts unless the identity already has as many statuses (the first of equals is kept). */
  keepLonger(hi: number, lo: number, p: number, f: number, s: number): void {
    const sh = this.shardFor(hi);
    const j = this.slotFor(sh, hi, lo);
    this.read(sh, j);
    const had = this.p + this.f + this.s;
    if (had === 0 || p + f + s > had) this.write(sh, j, p, f, s);
  }

  /** Forgets every identity and lets go of the storage (whoever still holds the table). */
  clear(): void {
    this.shards = new Array(256);
    this.big = new Map();
    this.size = 0;
  }

  has(hi: number, lo: number): boolean {
    const sh = this.shards[hi >>> 24];
    if (!sh) return false;
    const j = findSlot(sh, hi, lo);
    return sh.keys[2 * j] !== 0 || sh.keys[2 * j + 1] !== 0;
  }

  get(hi: number, lo: number): [number, number, number] | undefined {
    const sh = this.shards[hi >>> 24];
    if (!sh) return undefined;
    const j = findSlot(sh, hi, lo);
    if (sh.keys[2 * j] === 0 && sh.keys[2 * j + 1] === 0) return undefined;
    this.read(sh, j);
    return [this.p, this.f, this.s];
  }

  forEach(fn: (hi: number, lo: number, p: number, f: number, s: number) => void): void {
    for (const sh of this.shards) {
      if (!sh) continue;
      for (let j = 0; j < sh.cap; j++) {
        const hi = sh.keys[2 * j]!;
        const lo = sh.keys[2 * j + 1]!;
        if (hi === 0 && lo === 0) continue;
        this.read(sh, j);
        fn(hi, lo, this.p, this.f, this.s);
      }
    }
  }
}
const BIG = 255;

interface Shard {
  cap: number;
  size: number;
  /** hi, lo of each slot; (0, 0) is empty. */
  keys: Uint32Array;
  counts: Uint8Array;
}

function newShard(cap: number): Shard {
  return { cap, size: 0, keys: new Uint32Array(cap * 2), counts: new Uint8Array(cap) };
}

/** The slot holding (hi, lo), or the empty slot where it goes (linear probing). */
function findSlot(sh: Shard, hi: number, lo: number): number {
  const keys = sh.keys;
  const cap = sh.cap;
  // An int32 modulo (lo itself can exceed 2^31, where % is a floating-point remainder).
  let j = (lo & 0x7fffffff) % cap;
  for (;;) {
    const h = keys[2 * j]!;
    const l = keys[2 * j + 1]!;
    if ((h === hi && l === lo) || (h === 0 && l === 0)) return j;
    if (++j === cap) j = 0;
  }
}

function growShard(sh: Shard): void {
  const { keys, counts, cap } = sh;
  // 1.5x, not doubling: on a 4-million-test report doubling leaves shards half empty (~25 MB more at the peak).
  const next = newShard(Math.ceil(cap * 1.5));
  for (let j = 0; j < cap; j++) {
    const hi = keys[2 * j]!;
    const lo = keys[2 * j + 1]!;
    if (hi === 0 && lo === 0) continue;
    const k = findSlot(next, hi, lo);
    next.keys[2 * k] = hi;
    next.keys[2 * k + 1] = lo;
    next.counts[k] = counts[j]!;
  }
  sh.cap = next.cap;
  sh.keys = next.keys;
  sh.counts = next.counts;
}

/**
 * A 64-bit hash of a text as two u32 (never both 0: that marks an empty slot): xxHash32 and murmur3, two
 * unrelated functions, under seeds of their own. Numbers only: no BigInt (wyhash's) and no string per case.
 * The result is read from `hi` and `lo` right after a call (no array per case of a multi-million-case report).
 */
export class IdentityHasher {
  hi = 0;
  lo = 0;
  private keyFramework: string | undefined;
  private keyScope: string | undefined;
  private keySeedHi = 0;
  private keySeedLo = 0;

  text(text: string, seedHi = SEED_HI, seedLo = SEED_LO): this {
    this.hi = Bun.hash.xxHash32(text, seedHi);
    this.lo = Bun.hash.murmur32v3(text, seedLo);
    if (this.hi === 0 && this.lo === 0) this.lo = 1;
    return this;
  }

  /** The hash of a test's identity (framework, scope, fullName): the name hashed under seeds of the other two. */
  test(framework: Framework, scope: string, fullName: string): this {
    if (framework !== this.keyFramework || scope !== this.keyScope) {
      const head = `${framework}|${scope}|`;
      this.keySeedHi = Bun.hash.xxHash32(head, SEED_HI);
      this.keySeedLo = Bun.hash.murmur32v3(head, SEED_LO);
      this.keyFramework = framework;
      this.keyScope = scope;
    }
    return this.text(fullName, this.keySeedHi, this.keySeedLo);
  }
}
const SEED_HI = 0x9e3779b9;
const SEED_LO = 0x85ebca6b;
