// The statistical tests behind "a regression beyond noise": Mann-Whitney U over raw samples (exact for small
// samples without ties, else the normal approximation with tie and continuity corrections, as scipy's
// mannwhitneyu does with method="auto") and Welch's t-test from summary figures (mean, sd, n), for formats that
// keep no samples. Both return two-sided p-values.

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 is too coarse for small p; this uses erfc's continued fraction). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfcc (Chebyshev fit, relative error < 1.2e-7 everywhere).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export interface TestResult {
  statistic: number;
  p: number;
  method: "mann-whitney-exact" | "mann-whitney-normal" | "welch";
}

/** Two-sided Mann-Whitney U test; `statistic` is U of the first sample. Needs at least 2 values on each side. */
export function mannWhitneyU(a: number[], b: number[]): TestResult {
  const n1 = a.length;
  const n2 = b.length;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let r1 = 0;
  for (let k = 0; k < all.length; k++) if (all[k]!.g === 0) r1 += ranks[k]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  if (tieTerm === 0 && Math.min(n1, n2) <= 8) {
    const p = Math.min(1, 2 * exactUpperTail(Math.max(u1, u2), n1, n2));
    return { statistic: u1, p, method: "mann-whitney-exact" };
  }
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { statistic: u1, p: 1, method: "mann-whitney-normal" };
  const z = (Math.max(u1, u2) - mu - 0.5) / sigma;
  return { statistic: u1, p: Math.min(1, 2 * (1 - normalCdf(z))), method: "mann-whitney-normal" };
}

/** P(U >= u) under H0 for sample sizes n1, n2 with no ties: counts of rank-sum arrangements, by recursion. */
function exactUpperTail(u: number, n1: number, n2: number): number {
  const max = n1 * n2;
  // counts[i][j][k]: arrangements of i and j values with U = k; built up one value at a time.
  let prev: number[][] = [];
  for (let j = 0; j <= n2; j++) prev[j] = [1];
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const row = new Array<number>(i * j + 1).fill(0);
      // The largest value is from the first sample (adds j to U) or from the second (adds nothing).
      const fromA = prev[j]!;
      const fromB = cur[j - 1]!;
      for (let k = 0; k < fromA.length; k++) row[k + j]! += fromA[k]!;
      for (let k = 0; k < fromB.length; k++) row[k]! += fromB[k]!;
      cur[j] = row;
    }
    prev = cur;
  }
  const counts = prev[n2]!;
  let total = 0;
  let tail = 0;
  for (let k = 0; k <= max; k++) {
    total += counts[k] ?? 0;
    if (k >= u) tail += counts[k] ?? 0;
  }
  return tail / total;
}

export interface SummaryStats {
  mean: number;
  sd: number;
  n: number;
}

/** Welch's unequal-variance t-test from summary figures, two-sided; statistic is t of (a - b). */
export function welchT(a: SummaryStats, b: SummaryStats): TestResult {
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { statistic: a.mean === b.mean ? 0 : Number.POSITIVE_INFINITY, p: a.mean === b.mean ? 1 : 0, method: "welch" };
  const t = (a.mean - b.mean) / se;
  const df = ((va + vb) * (va + vb)) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const p = incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return { statistic: t, p: Math.min(1, p), method: "welch" };
}

/** Regularized incomplete beta I_x(a, b) (Numerical Recipes' betai with Lentz's continued fraction). */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

function lnGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const xx = x - 1;
  let s = c[0]!;
  for (let i = 1; i < g + 2; i++) s += c[i]! / (xx + i);
  const t = xx + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(s);
}
