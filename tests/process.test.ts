import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runSync, start } from "../lib/process.ts";
import { tempFolders } from "./support/temp-folders.ts";

const folder = tempFolders();

/** A process that still runs: /proc has it and it is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(what: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(20)) if (what()) return true;
  return what();
}

describe("start", () => {
  test("output reaches the callbacks while the process still runs", async () => {
    const dir = folder();
    const seen: string[] = [];
    // The process waits for a file the test writes only after it has seen "first": no streaming, no "second".
    const r = await start(["sh", "-c", "echo first; while [ ! -f go ]; do sleep 0.02; done; echo second >&2"], {
      cwd: dir,
      timeoutMs: 10_000,
      onStdout: (s) => {
        seen.push(`out:${s}`);
        if (s.includes("first")) writeFileSync(join(dir, "go"), "");
      },
      onStderr: (s) => void seen.push(`err:${s}`),
    });
    expect(r).toEqual({ exitCode: 0, signal: null, stdout: "", stderr: "" });
    expect(seen).toEqual(["out:first\n", "err:second\n"]);
  });

  test("a timeout kills the whole process group: children that hang, and one that ignores SIGTERM", async () => {
    const dir = folder();
    const script = [
      "sleep 300 & echo $! > child.pid",
      `sh -c 'trap "" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' &`,
      "while [ ! -s stubborn.pid ]; do sleep 0.02; done",
      "echo ready; wait",
    ].join("\n");
    let timedOut = 0;
    const started = Date.now();
    const r = await start(["sh", "-c", script], {
      cwd: dir,
      timeoutMs: 1000,
      killGraceMs: 500,
      onTimeout: () => void timedOut++,
      captureStdout: true,
    });
    expect(timedOut).toBe(1);
    expect(r.signal).toBe("SIGTERM");
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe("ready\n");
    const child = Number(readFileSync(join(dir, "child.pid"), "utf8"));
    const stubborn = Number(readFileSync(join(dir, "stubborn.pid"), "utf8"));
    expect(await waitFor(() => !alive(child))).toBe(true);
    // SIGTERM is ignored by this one: the SIGKILL after the grace period stops it.
    expect(await waitFor(() => !alive(stubborn))).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("exit codes pass through; a missing program is 127; stdout is held only when asked", async () => {
    const dir = folder();
    expect(await start(["sh", "-c", "echo out; exit 7"], { cwd: dir })).toEqual({ exitCode: 7, signal: null, stdout: "", stderr: "" });
    expect(await start(["sh", "-c", "echo out; echo err >&2"], { cwd: dir, captureStdout: true, captureStderr: true })).toEqual({
      exitCode: 0,
      signal: null,
      stdout: "out\n",
      stderr: "err\n",
    });
    const errors: string[] = [];
    const missing = await start(["no-such-program-xyz", "a"], { cwd: dir, onStderr: (s) => void errors.push(s) });
    expect(missing.exitCode).toBe(127);
    expect(errors).toEqual(["no-such-program-xyz: command not found\n"]);
  });

  test("words are passed as they are: no shell expansion of spaces, quotes, $ or globs", async () => {
    const dir = folder({ "a.txt": "" });
    const words = ["^(?:a b|c)$", "it's", "$HOME", "*.txt", "new\nline", ""];
    const r = await start([process.execPath, "-e", "console.log(JSON.stringify(process.argv.slice(1)))", ...words], {
      cwd: dir,
      captureStdout: true,
    });
    expect(JSON.parse(r.stdout)).toEqual(words);
  });

  test("the environment given is the whole environment", async () => {
    const r = await start(["sh", "-c", 'printf "%s|%s" "$ONLY" "${HOME-unset}"'], {
      cwd: folder(),
      env: { PATH: process.env.PATH, ONLY: "yes" },
      captureStdout: true,
    });
    expect(r.stdout).toBe("yes|unset");
  });
});

describe("runSync", () => {
  test("captures both outputs and the exit code; a large output is not cut", () => {
    const dir = folder();
    const r = runSync(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo; echo oops >&2; exit 3"], { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stdout.length).toBe(3_000_001);
    expect(r.stderr).toBe("oops\n");
    expect(runSync(["no-such-program-xyz"], { cwd: dir }).exitCode).toBe(127);
  });
});
