// dashboard.html: one self-contained page (inline CSS and SVG, no script, no link, no font or image fetched),
// each SOP target shown met or not, weekly trends as charts, the slowest and most recurrent failures.
// Every text from GitHub (titles, test names) is redacted and HTML-escaped here, attributes included.
import { redact } from "../redact.ts";
import { stripInvisible } from "../sanitize.ts";
import { minutes, percent, targetStatus, targetValue } from "./markdown.ts";
import type { MetricsReport, TargetResult, WeekRow } from "./model.ts";

/** The chart colours (tests look for these pixels in a screenshot). */
export const COLOURS = {
  opened: "#0969da",
  healed: "#1a7f37",
  fixRate: "#8250df",
  timeToFix: "#bc4c00",
  coverage: "#0e8a8a",
  met: "#1a7f37",
  notMet: "#cf222e",
  noData: "#8c959f",
  target: "#57606a",
} as const;

/** Text for HTML content or a quoted attribute: secrets masked, invisible characters dropped, all five escaped. */
export function html(text: string | number): string {
  return stripInvisible(redact(String(text)))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const W = 560;
const H = 250;
const PAD = { left: 44, right: 12, top: 16, bottom: 46 };

interface Series {
  label: string;
  colour: string;
  values: (number | null)[];
}

function frame(title: string, weeks: string[], max: number, unit: string, body: string, target?: { value: number; label: string }): string {
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (plotH * v) / max;
  const ticks = [0, max / 2, max]
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#d0d7de" stroke-width="1"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${html(round(v))}${html(unit)}</text>`,
    )
    .join("");
  const step = (W - PAD.left - PAD.right) / Math.max(1, weeks.length);
  const every = Math.max(1, Math.ceil(weeks.length / 8));
  const labels = weeks
    .map((w, k) =>
      k % every === 0
        ? `<text x="${PAD.left + step * (k + 0.5)}" y="${H - PAD.bottom + 16}" text-anchor="middle" class="tick">${html(w.slice(5))}</text>`
        : "",
    )
    .join("");
  const goal = target
    ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${round(y(target.value))}" y2="${round(y(target.value))}" stroke="${COLOURS.target}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="${PAD.left + 4}" y="${round(y(target.value) - 4)}" class="tick">${html(target.label)}</text>`
    : "";
  return `<figure class="chart"><figcaption>${html(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${html(title)}">${ticks}${body}${goal}${labels}</svg></figure>`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function niceMax(values: (number | null)[], floor: number): number {
  const m = Math.max(floor, ...values.filter((v): v is number => v !== null));
  const mag = 10 ** Math.floor(Math.log10(m));
  return Math.ceil(m / mag) * mag;
}

function barChart(title: string, weeks: string[], series: Series[], unit: string, target?: { value: number; label: string }): string {
  const top = niceMax([...series.flatMap((s) => s.values), target?.value ?? 0], 1);
  // Counts get whole-number ticks (0, max/2, max).
  const max = unit === "" && top % 2 ? top + 1 : top;
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / Math.max(1, weeks.length);
  const bw = Math.max(2, (step * 0.7) / series.length);
  const bars = series
    .flatMap((s, si) =>
      s.values.map((v, k) => {
        if (v === null || v <= 0) return "";
        const h = (plotH * v) / max;
        const x = PAD.left + step * k + step * 0.15 + bw * si;
        return `<rect x="${round(x)}" y="${round(PAD.top + plotH - h)}" width="${round(bw)}" height="${round(h)}" fill="${s.colour}" shape-rendering="crispEdges"><title>${html(`${s.label} ${weeks[k]}: ${v}${unit}`)}</title></rect>`;
      }),
    )
    .join("");
  return frame(title, weeks, max, unit, bars + legend(series), target);
}

function lineChart(
  title: string,
  weeks: string[],
  series: Series[],
  unit: string,
  max: number,
  target?: { value: number; label: string },
): string {
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / Math.max(1, weeks.length);
  const lines = series
    .map((s) => {
      const pts = s.values
        .map((v, k) => (v === null ? null : { x: round(PAD.left + step * (k + 0.5)), y: round(PAD.top + plotH - (plotH * v) / max), v, k }))
        .filter((p): p is { x: number; y: number; v: number; k: number } => p !== null);
      const path =
        pts.length > 1
          ? `<polyline fill="none" stroke="${s.colour}" stroke-width="3" points="${pts.map((p) => `${p.x},${p.y}`).join(" ")}"/>`
          : "";
      const dots = pts
        .map(
          (p) =>
            `<circle cx="${p.x}" cy="${p.y}" r="5" fill="${s.colour}"><title>${html(`${s.label} ${weeks[p.k]}: ${p.v}${unit}`)}</title></circle>`,
        )
        .join("");
      return path + dots;
    })
    .join("");
  return frame(title, weeks, max, unit, lines + legend(series), target);
}

function legend(series: Series[]): string {
  return series
    .map(
      (s, k) =>
        `<rect x="${PAD.left + 4 + k * 170}" y="${H - 18}" width="12" height="12" fill="${s.colour}"/><text x="${PAD.left + 22 + k * 170}" y="${H - 8}" class="tick">${html(s.label)}</text>`,
    )
    .join("");
}

function targetCard(t: TargetResult): string {
  const cls = t.met === null ? "nodata" : t.met ? "met" : "notmet";
  const mark = t.met === null ? "–" : t.met ? "✓" : "✗";
  return `<div class="card ${cls}" data-target="${html(t.id)}" data-met="${t.met === null ? "unknown" : String(t.met)}"><div class="mark">${mark}</div><div class="name">${html(t.name)}</div><div class="value">${html(targetValue(t))}</div><div class="goal">target ${html(t.target)} · ${html(targetStatus(t).replace(/^\S+\s/, ""))}</div></div>`;
}

function rate(w: WeekRow): number | null {
  return w.verifications ? Math.round((1000 * w.passingVerifications) / w.verifications) / 10 : null;
}

function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${html(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

export function renderDashboard(report: MetricsReport): string {
  const weeks = report.weekly.map((w) => w.week);
  const f = report.figures;
  const charts = [
    barChart(
      "Healing issues by week",
      weeks,
      [
        { label: "opened", colour: COLOURS.opened, values: report.weekly.map((w) => w.opened) },
        { label: "healed by the agent", colour: COLOURS.healed, values: report.weekly.map((w) => w.healedByAgent) },
      ],
      "",
    ),
    lineChart(
      "Fix success rate by week",
      weeks,
      [{ label: "passing verifications", colour: COLOURS.fixRate, values: report.weekly.map(rate) }],
      "%",
      100,
      {
        value: 80,
        label: "target 80%",
      },
    ),
    barChart(
      "Time to fix by week (median)",
      weeks,
      [{ label: "minutes", colour: COLOURS.timeToFix, values: report.weekly.map((w) => w.medianTimeToFixMinutes) }],
      "m",
      {
        value: 30,
        label: "target 30 min",
      },
    ),
    lineChart(
      "Coverage by week",
      weeks,
      [{ label: "line coverage", colour: COLOURS.coverage, values: report.weekly.map((w) => w.coveragePct) }],
      "%",
      100,
      {
        value: 80,
        label: "target 80%",
      },
    ),
  ];
  const slowest = table(
    ["Issue", "Title", "Tests", "Time to fix", "Attempts"],
    report.slowest.map((s) => [
      `<a href="${html(s.url)}">${html(`${s.repository}#${s.number}`)}</a>`,
      html(s.title),
      s.tests.map(html).join("<br>") || "–",
      html(minutes(s.minutes)),
      html(s.attempts),
    ]),
    "No issue has a passing verification yet.",
  );
  const recurrent = table(
    ["Failure id", "Issues", "Where", "Latest title"],
    report.recurrent.map((r) => [`<code>${html(r.fingerprint)}</code>`, html(r.issues), html(r.refs.join(", ")), html(r.latestTitle)]),
    "No failure failed in more than one healing issue.",
  );
  const repos = table(
    ["Repository", "Healing issues", "Coverage issues", "Fix success", "Time to fix (median)", "Coverage"],
    report.repositories.map((r) => [
      html(r.repository),
      html(r.healingIssues),
      html(r.coverageIssues),
      html(percent(r.fixSuccessRate)),
      html(minutes(r.medianTimeToFixMinutes)),
      html(percent(r.coveragePct)),
    ]),
    "No repository runs the loop.",
  );
  const runs = report.testRuns;
  const facts = [
    `Healing issues: ${f.healingIssues} (${f.openIssues} open)`,
    `Time to fix: median ${minutes(f.timeToFixMinutes.median)}, p90 ${minutes(f.timeToFixMinutes.p90)}`,
    `Verifications: ${f.passingVerifications} of ${f.verifications} passed; first attempt ${percent(f.firstAttemptSuccessRate)}; attempts per issue ${f.attemptsPerIssue.mean ?? "no data"}`,
    `Recurrence: ${f.recurredIssues} of ${f.closedIssues} closed issues`,
    `Human intervention: ${f.humanIntervention.needsHuman} needs-human, ${f.humanIntervention.closedByPerson} closed by a person, ${f.humanIntervention.fixedByPerson} fixed by a person's commit`,
    `Agent cost and run time: ${report.agent.note}`,
    ...(runs
      ? [`Test runs (runs.json): ${runs.runs} in ${runs.files} files, ${runs.redRuns} red, median ${runs.durationMs.median} ms`]
      : []),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Self-healing loop metrics</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}.sub{color:#57606a;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:10px}
.card{border:2px solid;border-radius:8px;padding:10px}.card .mark{font-size:26px;font-weight:700;float:right;line-height:1}
.card.met{border-color:${COLOURS.met};background:#dafbe1}.card.met .mark{color:${COLOURS.met}}
.card.notmet{border-color:${COLOURS.notMet};background:#ffebe9}.card.notmet .mark{color:${COLOURS.notMet}}
.card.nodata{border-color:${COLOURS.noData};background:#f6f8fa}.card.nodata .mark{color:${COLOURS.noData}}
.card .name{font-weight:600}.card .value{font-size:22px;font-weight:700;margin:4px 0}.card .goal{color:#57606a;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(2,${W}px);gap:12px 24px;margin-top:16px}
.chart{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:6px}.chart figcaption{font-weight:600;margin:0 0 2px 6px}
.tick{font-size:11px;fill:#57606a}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
.empty{color:#57606a}ul{margin:0;padding-left:20px}
</style></head><body>
<h1>Self-healing TDD loop: metrics</h1>
<p class="sub">Generated ${html(report.generatedAt)} · since ${html(report.since ?? "the start")} · ${html(report.repositories.length)} ${report.repositories.length === 1 ? "repository" : "repositories"} · ${html(report.requests)} GitHub requests</p>
<section class="cards">${report.targets.map(targetCard).join("")}</section>
<section class="charts">${charts.join("")}</section>
<h2>Slowest fixes</h2>${slowest}
<h2>Most recurrent failures</h2>${recurrent}
<h2>Repositories</h2>${repos}
<h2>Figures</h2><ul>${facts.map((t) => `<li>${html(t)}</li>`).join("")}</ul>
</body></html>
`;
}
