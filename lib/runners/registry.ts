// The registry: every runner the toolkit runs itself, one adapter each, in detection order (JavaScript,
// Python, Go, Terraform, Terragrunt). Adding a runner: its adapter file, its line here, its name in
// RunnerName (lib/types.ts), the schemas' runner enums and the README's stack table (a test checks them).
import type { Framework, RunnerName } from "../types.ts";
import type { RunnerAdapter } from "./adapter.ts";
import { bun } from "./bun.ts";
import { go } from "./go.ts";
import { jest } from "./jest.ts";
import { nodeTest } from "./node-test.ts";
import { pytest } from "./pytest.ts";
import { terraform } from "./terraform.ts";
import { terragrunt } from "./terragrunt.ts";
import { vitest } from "./vitest.ts";

const BY_NAME: { [N in RunnerName]: RunnerAdapter & { name: N } } = {
  bun: bun as RunnerAdapter & { name: "bun" },
  vitest: vitest as RunnerAdapter & { name: "vitest" },
  jest: jest as RunnerAdapter & { name: "jest" },
  "node-test": nodeTest as RunnerAdapter & { name: "node-test" },
  pytest: pytest as RunnerAdapter & { name: "pytest" },
  go: go as RunnerAdapter & { name: "go" },
  terraform: terraform as RunnerAdapter & { name: "terraform" },
  terragrunt: terragrunt as RunnerAdapter & { name: "terragrunt" },
};

/** Every adapter, in detection order. */
export const ADAPTERS: readonly RunnerAdapter[] = Object.values(BY_NAME);

/** The adapter of a runner; undefined for report-only dialects (mocha, tap, junit, ...) and "runner". */
export function adapterFor(framework: Framework): RunnerAdapter | undefined {
  return Object.hasOwn(BY_NAME, framework) ? BY_NAME[framework as RunnerName] : undefined;
}
