// Keeps garbage from piling up while a multi-million-case report is read or failures.json is written.

/**
 * Keeps garbage from piling up on multi-million-case reports. JSC counts the identity tables' typed arrays as
 * live heap and lets garbage grow in proportion before it collects (1 GB report, 5.8M tests: ~90 MB of
 * tables let ~150 MB of dead key strings, parser objects and record-building text pile up: 445 MB peak).
 * So every `every` units of work the process's RSS is read (~10 µs) and a full collection runs once it has
 * grown by SLACK or an eighth of what it was after the last one, whichever is more: a collection costs in
 * proportion to what is live, so with hundreds of thousands of failure records kept it runs less often
 * (that report: 445 -> 234 MB peak; 1 GB with 7% failing: CPU 102 s with a fixed 16 MB, 72 s so). Below
 * QUIET no collection is forced at all: JSC's own collector keeps such a heap in check, and a forced full
 * collection of a 100k-case report's tables costs tens of milliseconds each.
 */
export class GarbageGuard {
  private static readonly SLACK = 16 * 1024 * 1024;
  private static readonly QUIET = 128 * 1024 * 1024;
  private n = 0;
  private floor = process.memoryUsage.rss();
  constructor(private readonly every: number) {}
  /** `weight`: how many passing cases' garbage the caller's step makes. */
  tick(weight = 1): void {
    if ((this.n += weight) < this.every) return;
    this.n = 0;
    const rss = process.memoryUsage.rss();
    if (rss < GarbageGuard.QUIET || rss < this.floor + Math.max(GarbageGuard.SLACK, this.floor / 8)) return;
    Bun.gc(true);
    this.floor = process.memoryUsage.rss();
  }
}
