// Plain temp folders for one test file (no git; the toolkit's node_modules only when asked), all
// removed after that file's tests. Built with createSampleRepo, so files are written the same way.
import { afterAll } from "bun:test";
import { createSampleRepo, type SampleRepo } from "./sample-repo.ts";

export type MakeFolder = (files?: Record<string, string>, opts?: { nodeModules?: boolean }) => string;

/** Call at the top level of a test file; each call of the returned function makes one folder and returns its path. */
export function tempFolders(): MakeFolder {
  const made: SampleRepo[] = [];
  afterAll(() => made.forEach((r) => r.cleanup()));
  return (files = {}, opts = {}) => {
    const repo = createSampleRepo(files, { git: false, nodeModules: opts.nodeModules ?? false });
    made.push(repo);
    return repo.dir;
  };
}
