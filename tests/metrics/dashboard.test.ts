// dashboard.html opened in a real headless Chromium (Debian's `chromium`, installed by .ci/run) and screenshotted:
// the picture must show the four charts in their colours and the SOP targets marked met (1) and not met (4).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COLOURS } from "../../lib/metrics/dashboard.ts";
import { actionsEnv, runStep } from "../github/fixtures.ts";
import { startGitHubDouble, type GitHubDouble } from "../support/github-double.ts";
import { NOW_EPOCH, SINCE, seedHistory } from "./history.ts";
import { findColour, readPng, type Image } from "./png.ts";

setDefaultTimeout(120_000);
const MET_BACKGROUND = "#dafbe1";
const NOT_MET_BACKGROUND = "#ffebe9";

let gh: GitHubDouble;
let dir: string;
let png: Buffer;
let img: Image;

beforeAll(async () => {
  gh = await startGitHubDouble();
  seedHistory(gh);
  dir = mkdtempSync(join(tmpdir(), "heal-dashboard-"));
  const r = await runStep("metrics", dir, { ...actionsEnv(gh), SOURCE_DATE_EPOCH: NOW_EPOCH, HEAL_GITHUB_TIMEOUT_MS: "30000" }, [
    "--since",
    SINCE,
    "--out",
    "out",
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
  const bin = Bun.which("chromium");
  // Not a skip: CI installs it (.ci/run), so a missing browser is a broken set-up.
  if (!bin) throw new Error("chromium is not on PATH: apt-get install -y chromium");
  const shot = join(dir, "dashboard.png");
  const run = spawnSync(
    bin,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      `--user-data-dir=${join(dir, "profile")}`,
      `--screenshot=${shot}`,
      "--window-size=1200,1600",
      `file://${join(dir, "out/dashboard.html")}`,
    ],
    { encoding: "utf8", timeout: 90_000 },
  );
  if (run.status !== 0) throw new Error(`chromium exited ${run.status}: ${run.stderr}`);
  png = readFileSync(shot);
  img = readPng(png);
  if (process.env.HEAL_KEEP_SCREENSHOT) Bun.write(process.env.HEAL_KEEP_SCREENSHOT, png);
});

afterAll(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("dashboard.html in headless Chromium", () => {
  test("the screenshot is a full 1200x1600 page, not a blank one", () => {
    expect([img.width, img.height]).toEqual([1200, 1600]);
    expect(statSync(join(dir, "dashboard.png")).size).toBeGreaterThan(40_000);
    const white = findColour(img, "#ffffff", 0).count;
    expect(white / (img.width * img.height)).toBeLessThan(0.9);
  });

  test("each chart is drawn in its colour, in its place: two charts a row, issues and time to fix on the left", () => {
    const opened = findColour(img, COLOURS.opened);
    const healed = findColour(img, COLOURS.healed);
    const fixRate = findColour(img, COLOURS.fixRate);
    const ttf = findColour(img, COLOURS.timeToFix);
    const coverage = findColour(img, COLOURS.coverage);
    // Bars: 5 opened and 2 healed weeks; 3 time-to-fix weeks; lines with dots for fix rate (3 weeks) and coverage (6).
    expect(opened.count).toBeGreaterThan(5_000);
    expect(ttf.count).toBeGreaterThan(5_000);
    expect(fixRate.count).toBeGreaterThan(300);
    expect(coverage.count).toBeGreaterThan(300);
    expect(opened.box!.x1).toBeLessThan(600);
    expect(ttf.box!.x1).toBeLessThan(600);
    expect(fixRate.box!.x0).toBeGreaterThan(600);
    expect(coverage.box!.x0).toBeGreaterThan(600);
    expect(ttf.box!.y0).toBeGreaterThan(opened.box!.y1);
    expect(coverage.box!.y0).toBeGreaterThan(fixRate.box!.y1);
    // healed bars share the green of the met mark: both present
    expect(healed.count).toBeGreaterThan(2_000);
  });

  test("the five SOP targets are marked: one met (green card), four not met (red cards), above the charts", () => {
    const met = findColour(img, MET_BACKGROUND, 1);
    const notMet = findColour(img, NOT_MET_BACKGROUND, 1);
    const red = findColour(img, COLOURS.notMet);
    expect(met.count).toBeGreaterThan(10_000);
    expect(notMet.count / met.count).toBeGreaterThan(3.5);
    expect(notMet.count / met.count).toBeLessThan(4.5);
    expect(red.count).toBeGreaterThan(1_000);
    // The cards' row: the coverage card (third of five) is the green one.
    expect(met.box!.x0).toBeGreaterThan(img.width * 0.35);
    expect(met.box!.x1).toBeLessThan(img.width * 0.65);
    expect(met.box!.y1).toBeLessThan(findColour(img, COLOURS.opened).box!.y0);
  });
});
