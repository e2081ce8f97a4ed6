import { describe, expect, test } from "bun:test";
import { incompleteBeta, mannWhitneyU, normalCdf, welchT } from "../../lib/perf/stats.ts";

// R's `sleep` data set (Student 1908): the textbook example of both tests in R's documentation.
const sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
const summary = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, n: xs.length };
};

describe("Welch's t-test", () => {
  test("R t.test(extra ~ group, data = sleep): t = -1.8608, p-value = 0.07939", () => {
    const r = welchT(summary(sleep1), summary(sleep2));
    expect(r.method).toBe("welch");
    expect(r.statistic).toBeCloseTo(-1.8608, 4);
    expect(r.p).toBeCloseTo(0.07939, 5);
  });
  test("equal means give p = 1; zero spread with different means gives p = 0", () => {
    expect(welchT({ mean: 5, sd: 1, n: 10 }, { mean: 5, sd: 2, n: 8 }).p).toBeCloseTo(1, 10);
    expect(welchT({ mean: 5, sd: 0, n: 10 }, { mean: 6, sd: 0, n: 8 }).p).toBe(0);
  });
  test("regularized incomplete beta: I_0.5(2,3) = 0.6875 and the t(1) tail at t = 1 is 0.5", () => {
    expect(incompleteBeta(2, 3, 0.5)).toBeCloseTo(0.6875, 10);
    expect(incompleteBeta(0.5, 0.5, 0.5)).toBeCloseTo(0.5, 10);
  });
});

describe("Mann-Whitney U", () => {
  test("R wilcox.test(extra ~ group, data = sleep, exact = FALSE): W = 25.5, p-value = 0.06933 (ties: normal approximation)", () => {
    const r = mannWhitneyU(sleep1, sleep2);
    expect(r.method).toBe("mann-whitney-normal");
    expect(r.statistic).toBe(25.5);
    expect(r.p).toBeCloseTo(0.06933, 4);
  });
  test("exact for small samples without ties: 5 vs 5 fully separated is 2/252, 3 vs 3 is 2/20", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r).toEqual({ statistic: 0, p: 2 / 252, method: "mann-whitney-exact" });
    expect(mannWhitneyU([3, 2, 1], [4, 5, 6]).p).toBeCloseTo(0.1, 12);
  });
  test("exact, interleaved: U = 2 of 3 vs 4 gives P(U <= 2) doubled = 8/35", () => {
    // Arrangements of 3 and 4 values: 35; those with U <= 2 number 1+1+2 = 4 -> two-sided 8/35.
    const r = mannWhitneyU([1, 2, 5], [3, 4, 6, 7]);
    expect(r.statistic).toBe(2);
    expect(r.p).toBeCloseTo(8 / 35, 12);
  });
  test("identical samples give p = 1", () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1]).p).toBe(1);
  });
  test("the normal CDF at 1.96 is 0.975", () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 5);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });
});
