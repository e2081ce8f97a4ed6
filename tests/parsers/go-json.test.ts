// go test -json: real output of the go sample project (tests/support/samples.ts) when go is on PATH, else
// the same run captured below; mixed non-JSON lines, build failures (JSON build-output and Go <1.24 text),
// panics, parents of failing subtests, package-level failures.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { CaseStatus, TestCase } from "../../lib/types.ts";
import { buildCorpus } from "../support/samples.ts";

// Captured from `go test -json ./...` (go1.26.8 linux/amd64) on the go sample project; passing subtests
// and run/pause/cont events trimmed, the temp folder renamed heal-sample-X.
const CAPTURED = String.raw`
{"ImportPath":"example.com/sample/broken [example.com/sample/broken.test]","Action":"build-output","Output":"# example.com/sample/broken [example.com/sample/broken.test]\n"}
{"ImportPath":"example.com/sample/broken [example.com/sample/broken.test]","Action":"build-output","Output":"broken/broken_test.go:6:2: undefined: missingFunction\n"}
{"ImportPath":"example.com/sample/broken [example.com/sample/broken.test]","Action":"build-fail"}
{"Time":"2026-11-30T14:36:10.799652139Z","Action":"output","Package":"example.com/sample/broken","Output":"FAIL\texample.com/sample/broken [build failed]\n"}
{"Time":"2026-11-30T14:36:10.79967275Z","Action":"fail","Package":"example.com/sample/broken","Elapsed":0,"FailedBuild":"example.com/sample/broken [example.com/sample/broken.test]"}
{"Time":"2026-11-30T14:36:11.210612593Z","Action":"run","Package":"example.com/sample/calc","Test":"TestAdd"}
{"Time":"2026-11-30T14:36:11.210658491Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd","Output":"=== RUN   TestAdd\n"}
{"Time":"2026-11-30T14:36:11.210785289Z","Action":"run","Package":"example.com/sample/calc","Test":"TestAdd/addition"}
{"Time":"2026-11-30T14:36:11.21079983Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd/addition","Output":"=== RUN   TestAdd/addition\n"}
{"Time":"2026-11-30T14:36:11.21083348Z","Action":"run","Package":"example.com/sample/calc","Test":"TestAdd/addition/adds_two_numbers"}
{"Time":"2026-11-30T14:36:11.21089431Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd/addition/adds_two_numbers","Output":"=== RUN   TestAdd/addition/adds_two_numbers\n"}
{"Time":"2026-11-30T14:36:11.210953898Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd/addition/adds_two_numbers","Output":"    calc_test.go:12: Add(1, 2) = 3, want 4\n"}
{"Time":"2026-11-30T14:36:11.210986546Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd/addition/adds_two_numbers","Output":"--- FAIL: TestAdd/addition/adds_two_numbers (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211046265Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestAdd/addition/adds_two_numbers","Elapsed":0}
{"Time":"2026-11-30T14:36:11.21116435Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd/addition","Output":"--- FAIL: TestAdd/addition (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211178611Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestAdd/addition","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211182727Z","Action":"output","Package":"example.com/sample/calc","Test":"TestAdd","Output":"--- FAIL: TestAdd (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211186713Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestAdd","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211190749Z","Action":"run","Package":"example.com/sample/calc","Test":"TestDouble"}
{"Time":"2026-11-30T14:36:11.211317817Z","Action":"output","Package":"example.com/sample/calc","Test":"TestDouble","Output":"=== RUN   TestDouble\n"}
{"Time":"2026-11-30T14:36:11.211348753Z","Action":"run","Package":"example.com/sample/calc","Test":"TestDouble/doubles_2"}
{"Time":"2026-11-30T14:36:11.211351767Z","Action":"output","Package":"example.com/sample/calc","Test":"TestDouble/doubles_2","Output":"=== RUN   TestDouble/doubles_2\n"}
{"Time":"2026-11-30T14:36:11.211354731Z","Action":"output","Package":"example.com/sample/calc","Test":"TestDouble/doubles_2","Output":"    calc_test.go:31: Double(2) = 4, want 5\n"}
{"Time":"2026-11-30T14:36:11.211358607Z","Action":"output","Package":"example.com/sample/calc","Test":"TestDouble/doubles_2","Output":"--- FAIL: TestDouble/doubles_2 (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211362012Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestDouble/doubles_2","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211512865Z","Action":"output","Package":"example.com/sample/calc","Test":"TestDouble","Output":"--- FAIL: TestDouble (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211518614Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestDouble","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211530211Z","Action":"run","Package":"example.com/sample/calc","Test":"TestUsesHelper"}
{"Time":"2026-11-30T14:36:11.211532685Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUsesHelper","Output":"=== RUN   TestUsesHelper\n"}
{"Time":"2026-11-30T14:36:11.211535679Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUsesHelper","Output":"    calc_test.go:38: cannot connect to db://test\n"}
{"Time":"2026-11-30T14:36:11.211541408Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUsesHelper","Output":"--- FAIL: TestUsesHelper (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211572404Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestUsesHelper","Elapsed":0}
{"Time":"2026-11-30T14:36:11.2115832Z","Action":"run","Package":"example.com/sample/calc","Test":"TestUnicode"}
{"Time":"2026-11-30T14:36:11.211585743Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUnicode","Output":"=== RUN   TestUnicode\n"}
{"Time":"2026-11-30T14:36:11.211589579Z","Action":"run","Package":"example.com/sample/calc","Test":"TestUnicode/計算_\u003e_ünïcödé"}
{"Time":"2026-11-30T14:36:11.211592904Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUnicode/計算_\u003e_ünïcödé","Output":"=== RUN   TestUnicode/計算_\u003e_ünïcödé\n"}
{"Time":"2026-11-30T14:36:11.2115971Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUnicode/計算_\u003e_ünïcödé","Output":"    calc_test.go:44: Add(2, 2) = 4, want 5\n"}
{"Time":"2026-11-30T14:36:11.211601046Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUnicode/計算_\u003e_ünïcödé","Output":"--- FAIL: TestUnicode/計算_\u003e_ünïcödé (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211605392Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestUnicode/計算_\u003e_ünïcödé","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211609148Z","Action":"output","Package":"example.com/sample/calc","Test":"TestUnicode","Output":"--- FAIL: TestUnicode (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211612513Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestUnicode","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211615888Z","Action":"run","Package":"example.com/sample/calc","Test":"TestNotWrittenYet"}
{"Time":"2026-11-30T14:36:11.211618752Z","Action":"output","Package":"example.com/sample/calc","Test":"TestNotWrittenYet","Output":"=== RUN   TestNotWrittenYet\n"}
{"Time":"2026-11-30T14:36:11.211632302Z","Action":"output","Package":"example.com/sample/calc","Test":"TestNotWrittenYet","Output":"    calc_test.go:50: not written yet\n"}
{"Time":"2026-11-30T14:36:11.211635517Z","Action":"output","Package":"example.com/sample/calc","Test":"TestNotWrittenYet","Output":"--- SKIP: TestNotWrittenYet (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.211638141Z","Action":"skip","Package":"example.com/sample/calc","Test":"TestNotWrittenYet","Elapsed":0}
{"Time":"2026-11-30T14:36:11.211641336Z","Action":"run","Package":"example.com/sample/calc","Test":"TestThrows"}
{"Time":"2026-11-30T14:36:11.21164429Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"=== RUN   TestThrows\n"}
{"Time":"2026-11-30T14:36:11.21168503Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"--- FAIL: TestThrows (0.00s)\n"}
{"Time":"2026-11-30T14:36:11.214301272Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"panic: assignment to entry in nil map [recovered, repanicked]\n"}
{"Time":"2026-11-30T14:36:11.214329905Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\n"}
{"Time":"2026-11-30T14:36:11.214334552Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"goroutine 18 [running]:\n"}
{"Time":"2026-11-30T14:36:11.214338087Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"testing.tRunner.func1.2({0x55b7c0, 0x6cce30})\n"}
{"Time":"2026-11-30T14:36:11.214341742Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/usr/local/go/src/testing/testing.go:1974 +0x232\n"}
{"Time":"2026-11-30T14:36:11.214344587Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"testing.tRunner.func1()\n"}
{"Time":"2026-11-30T14:36:11.214347521Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/usr/local/go/src/testing/testing.go:1977 +0x349\n"}
{"Time":"2026-11-30T14:36:11.214350515Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"panic({0x55b7c0?, 0x6cce30?})\n"}
{"Time":"2026-11-30T14:36:11.21435379Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/usr/local/go/src/runtime/panic.go:860 +0x13a\n"}
{"Time":"2026-11-30T14:36:11.214356524Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"example.com/sample/calc.TestThrows(0xa9b78bbd48?)\n"}
{"Time":"2026-11-30T14:36:11.214359659Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/tmp/heal-sample-X/calc/calc_test.go:55 +0x28\n"}
{"Time":"2026-11-30T14:36:11.214362603Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"testing.tRunner(0xa9b78bbd48, 0x593ff0)\n"}
{"Time":"2026-11-30T14:36:11.214366058Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/usr/local/go/src/testing/testing.go:2036 +0xea\n"}
{"Time":"2026-11-30T14:36:11.214368762Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"created by testing.(*T).Run in goroutine 1\n"}
{"Time":"2026-11-30T14:36:11.214371546Z","Action":"output","Package":"example.com/sample/calc","Test":"TestThrows","Output":"\t/usr/local/go/src/testing/testing.go:2101 +0x4c5\n"}
{"Time":"2026-11-30T14:36:11.214458175Z","Action":"fail","Package":"example.com/sample/calc","Test":"TestThrows","Elapsed":0}
{"Time":"2026-11-30T14:36:11.214473938Z","Action":"output","Package":"example.com/sample/calc","Output":"FAIL\texample.com/sample/calc\t0.010s\n"}
{"Time":"2026-11-30T14:36:11.21448218Z","Action":"fail","Package":"example.com/sample/calc","Elapsed":0.01}
`.trim();

let dir: string;
let realOutput: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "heal-go-json-"));
  if (Bun.which("go")) {
    const go = (await buildCorpus()).projects.find((p) => p.runner === "go")!;
    realOutput = readFileSync(go.reports[0]!.path, "utf8");
  } else {
    process.stderr.write("go is not on PATH: go-json is checked on the output captured in this test\n");
    realOutput = CAPTURED;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function parseText(name: string, text: string, format?: string): Promise<{ format: string; cases: TestCase[] }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const cases: TestCase[] = [];
  const r = await parseReport(path, (c) => cases.push(c), { format });
  return { format: r.format, cases };
}

function failing(cases: TestCase[]) {
  return cases
    .filter((c) => c.status === "failed" || c.status === "error")
    .map((c) => ({ fullName: c.fullName, file: c.file, status: c.status, message: c.message }));
}

const EXPECTED_FAILING: { fullName: string; file: string | undefined; status: CaseStatus; message: string | undefined }[] = [
  {
    fullName: "example.com/sample/broken [build failed]",
    file: "example.com/sample/broken",
    status: "error",
    message: "broken/broken_test.go:6:2: undefined: missingFunction",
  },
  {
    fullName: "TestAdd/addition/adds_two_numbers",
    file: "example.com/sample/calc",
    status: "failed",
    message: "calc_test.go:12: Add(1, 2) = 3, want 4",
  },
  {
    fullName: "TestDouble/doubles_2",
    file: "example.com/sample/calc",
    status: "failed",
    message: "calc_test.go:31: Double(2) = 4, want 5",
  },
  {
    fullName: "TestUsesHelper",
    file: "example.com/sample/calc",
    status: "failed",
    message: "calc_test.go:38: cannot connect to db://test",
  },
  {
    fullName: "TestUnicode/計算_>_ünïcödé",
    file: "example.com/sample/calc",
    status: "failed",
    message: "calc_test.go:44: Add(2, 2) = 4, want 5",
  },
  {
    fullName: "TestThrows",
    file: "example.com/sample/calc",
    status: "error",
    message: "panic: assignment to entry in nil map [recovered, repanicked]",
  },
];

describe("go test -json", () => {
  test("real output: one case per leaf test; parents failing only through subtests are dropped", async () => {
    const { format, cases } = await parseText("real.json", realOutput);
    expect(format).toBe("go-json");
    expect(failing(cases)).toEqual(EXPECTED_FAILING);
    expect(cases.find((c) => c.fullName === "TestNotWrittenYet")!.status).toBe("skipped");
    expect(cases.some((c) => c.fullName === "TestAdd" || c.fullName === "TestAdd/addition")).toBe(false);
    expect(cases.find((c) => c.fullName === "TestAdd/addition/adds_two_numbers")!.stack).toBe("    calc_test.go:12: Add(1, 2) = 3, want 4");
  });

  test("the captured run parses the same way (guards the fallback used without go)", async () => {
    const { cases } = await parseText("captured.json", CAPTURED);
    expect(failing(cases)).toEqual(EXPECTED_FAILING);
  });

  test("non-JSON lines mixed in (downloads, stderr) are ignored; Go <1.24 text build errors are read", async () => {
    const text = [
      "go: downloading github.com/stretchr/testify v1.9.0",
      "# example.com/m/api [example.com/m/api.test]",
      "api/handler_test.go:14:9: undefined: NewServer",
      "api/handler_test.go:20:2: declared and not used: resp",
      String.raw`{"Time":"2024-05-01T10:00:00Z","Action":"start","Package":"example.com/m/api"}`,
      String.raw`{"Time":"2024-05-01T10:00:00Z","Action":"output","Package":"example.com/m/api","Output":"FAIL\texample.com/m/api [build failed]\n"}`,
      String.raw`{"Time":"2024-05-01T10:00:00Z","Action":"fail","Package":"example.com/m/api","Elapsed":0}`,
      "some stray line { not json",
      String.raw`{"Time":"2024-05-01T10:00:01Z","Action":"run","Package":"example.com/m/db","Test":"TestOpen"}`,
      String.raw`{"Time":"2024-05-01T10:00:01Z","Action":"pass","Package":"example.com/m/db","Test":"TestOpen","Elapsed":0.01}`,
      String.raw`{"Time":"2024-05-01T10:00:01Z","Action":"output","Package":"example.com/m/db","Output":"panic: init failed: no DSN\n"}`,
      String.raw`{"Time":"2024-05-01T10:00:01Z","Action":"fail","Package":"example.com/m/db","Elapsed":0.02}`,
    ].join("\n");
    const { format, cases } = await parseText("mixed.json", text);
    expect(format).toBe("go-json");
    expect(failing(cases)).toEqual([
      {
        fullName: "example.com/m/api [build failed]",
        file: "example.com/m/api",
        status: "error",
        message: "api/handler_test.go:14:9: undefined: NewServer",
      },
      { fullName: "example.com/m/db", file: "example.com/m/db", status: "error", message: "panic: init failed: no DSN" },
    ]);
    expect(cases.find((c) => c.fullName === "example.com/m/api [build failed]")!.stack).toBe(
      "api/handler_test.go:14:9: undefined: NewServer\napi/handler_test.go:20:2: declared and not used: resp",
    );
    expect(cases.find((c) => c.fullName === "TestOpen")).toMatchObject({ status: "passed", durationMs: 10 });
  });

  test("testify: the message is the Error block with expected/actual and the Messages line", async () => {
    // Captured from go1.26.8 running a test file using testify v1.11.1 assert.Equal and require.Contains.
    const text = String.raw`
{"Time":"2026-11-30T14:50:22.435996427Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"=== RUN   TestEqual\n"}
{"Time":"2026-11-30T14:50:22.436023176Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"    calc_test.go:11: \n"}
{"Time":"2026-11-30T14:50:22.436026051Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \tError Trace:\t/tmp/probe/testify/calc_test.go:11\n"}
{"Time":"2026-11-30T14:50:22.436030617Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \tError:      \tNot equal: \n"}
{"Time":"2026-11-30T14:50:22.436036606Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \t            \texpected: 4\n"}
{"Time":"2026-11-30T14:50:22.43603899Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \t            \tactual  : 3\n"}
{"Time":"2026-11-30T14:50:22.436042625Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \tTest:       \tTestEqual\n"}
{"Time":"2026-11-30T14:50:22.436047312Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"        \tMessages:   \tadding\n"}
{"Time":"2026-11-30T14:50:22.436053622Z","Action":"output","Package":"example.com/tf","Test":"TestEqual","Output":"--- FAIL: TestEqual (0.00s)\n"}
{"Time":"2026-11-30T14:50:22.436056235Z","Action":"fail","Package":"example.com/tf","Test":"TestEqual","Elapsed":0}
{"Time":"2026-11-30T14:50:22.436062955Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"=== RUN   TestRequire\n"}
{"Time":"2026-11-30T14:50:22.436065389Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"    calc_test.go:16: \n"}
{"Time":"2026-11-30T14:50:22.436067813Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"        \tError Trace:\t/tmp/probe/testify/calc_test.go:16\n"}
{"Time":"2026-11-30T14:50:22.436070276Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"        \tError:      \t\"hello\" does not contain \"bye\"\n"}
{"Time":"2026-11-30T14:50:22.43607267Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"        \tTest:       \tTestRequire\n"}
{"Time":"2026-11-30T14:50:22.436075925Z","Action":"output","Package":"example.com/tf","Test":"TestRequire","Output":"--- FAIL: TestRequire (0.00s)\n"}
{"Time":"2026-11-30T14:50:22.436078308Z","Action":"fail","Package":"example.com/tf","Test":"TestRequire","Elapsed":0}
{"Time":"2026-11-30T14:50:22.436080601Z","Action":"output","Package":"example.com/tf","Output":"FAIL\n"}
{"Time":"2026-11-30T14:50:22.436642904Z","Action":"output","Package":"example.com/tf","Output":"FAIL\texample.com/tf\t0.006s\n"}
{"Time":"2026-11-30T14:50:22.436684045Z","Action":"fail","Package":"example.com/tf","Elapsed":0.006}
`.trim();
    const { cases } = await parseText("testify.json", text);
    expect(failing(cases)).toEqual([
      { fullName: "TestEqual", file: "example.com/tf", status: "failed", message: "Not equal:\nexpected: 4\nactual  : 3\nadding" },
      { fullName: "TestRequire", file: "example.com/tf", status: "failed", message: '"hello" does not contain "bye"' },
    ]);
    expect(cases[0]!.stack).toContain("Error Trace:\t/tmp/probe/testify/calc_test.go:11");
  });

  test("a dependency that cannot be fetched fails the package's setup, with the dependency's output", async () => {
    // Captured from go1.26.8 with GOPROXY=off and a dependency missing from the module cache.
    const text = String.raw`
{"ImportPath":"github.com/pmezard/go-difflib/difflib","Action":"build-output","Output":"# example.com/tf\n"}
{"ImportPath":"github.com/pmezard/go-difflib/difflib","Action":"build-output","Output":"/root/go/pkg/mod/github.com/stretchr/testify@v1.11.1/assert/assertions.go:21:2: module lookup disabled by GOPROXY=off\n"}
{"ImportPath":"github.com/pmezard/go-difflib/difflib","Action":"build-fail"}
{"Time":"2026-11-30T14:50:13.307468167Z","Action":"start","Package":"example.com/tf"}
{"Time":"2026-11-30T14:50:13.307494285Z","Action":"output","Package":"example.com/tf","Output":"FAIL\texample.com/tf [setup failed]\n"}
{"Time":"2026-11-30T14:50:13.307499423Z","Action":"fail","Package":"example.com/tf","Elapsed":0,"FailedBuild":"github.com/pmezard/go-difflib/difflib"}
`.trim();
    const { cases } = await parseText("setup.json", text);
    expect(failing(cases)).toEqual([
      {
        fullName: "example.com/tf [setup failed]",
        file: "example.com/tf",
        status: "error",
        message: "/root/go/pkg/mod/github.com/stretchr/testify@v1.11.1/assert/assertions.go:21:2: module lookup disabled by GOPROXY=off",
      },
    ]);
  });

  test("a stream cut while a test runs reports that test as an error", async () => {
    const text = [
      String.raw`{"Action":"run","Package":"p","Test":"TestSlow"}`,
      String.raw`{"Action":"output","Package":"p","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}`,
      String.raw`{"Action":"output","Package":"p","Test":"TestSlow","Output":"    slow_test.go:9: still waiting\n"}`,
    ].join("\n");
    const { cases } = await parseText("cut.json", text, "go-json");
    expect(failing(cases)).toEqual([{ fullName: "TestSlow", file: "p", status: "error", message: "slow_test.go:9: still waiting" }]);
  });

  test("text without any go test event is refused", async () => {
    await expect(parseText("notgo.txt", "hello\nworld\n", "go-json")).rejects.toThrow(
      "go-json: no go test -json events found (2 other lines)",
    );
  });
});
