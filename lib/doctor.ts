// The checks behind `task doctor`: token, repository, permissions, labels, default branch, installed
// workflows, and whether the hand-off can really start the agent. Each check is one line with the exact
// fix; the script prints them and picks the exit code. Reads only (GitHub and the local checkout).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { HealConfig } from "./config.ts";
import { git } from "./git.ts";
import { statusOf, type GitHubClient, type RepoClient } from "./github/client.ts";
import { clientFor, type GitHubContext } from "./github/context.ts";
import { planHandoff } from "./github/handoff.ts";

import { AGENT_WORKFLOW, LOOP_WORKFLOW } from "./workflow-render.ts";

export { AGENT_WORKFLOW, LOOP_WORKFLOW };

/** owner/name of a checkout's origin remote when it is on GitHub, else null. */
export function originRepository(root: string): string | null {
  const url = git(root, ["remote", "get-url", "origin"]).stdout;
  const m = /github\.com[/:]([^/\s]+)\/([^/\s]+?)(?:\.git)?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do, exactly, when !ok. */
  fix?: string;
}

export interface DoctorInput {
  root: string;
  config: HealConfig;
  ctx: GitHubContext;
  gh: GitHubClient;
  r: RepoClient;
}

type Identity = { kind: "user"; login: string } | { kind: "app" };

/** Who a token acts as: a user (PAT: GET /user answers) or an installation (GitHub App, GITHUB_TOKEN: 403). */
async function identityOf(gh: GitHubClient): Promise<Identity> {
  try {
    const { data } = await gh.rest.users.getAuthenticated();
    return { kind: "user", login: data.login };
  } catch (err) {
    if (statusOf(err) === 403) return { kind: "app" };
    throw err;
  }
}

interface Workflow {
  on?: Record<string, unknown> | string | string[];
  jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
}

function readWorkflow(root: string, rel: string): Workflow | null {
  const abs = join(root, rel);
  if (!existsSync(abs)) return null;
  try {
    return (parse(readFileSync(abs, "utf8")) as Workflow) ?? null;
  } catch {
    return null;
  }
}

/** The repository_dispatch types a workflow listens for (null: it does not listen). */
export function dispatchTypes(wf: Workflow | null): string[] | null {
  const on = wf?.on;
  if (!on || typeof on !== "object" || Array.isArray(on) || !("repository_dispatch" in on)) {
    return Array.isArray(on) && on.includes("repository_dispatch") ? [] : null;
  }
  const types = (on.repository_dispatch as { types?: unknown } | null)?.types;
  return Array.isArray(types) ? types.map(String) : [];
}

/** allowed_bots of every claude-code-action step. */
export function allowedBots(wf: Workflow | null): string[] {
  const out: string[] = [];
  for (const job of Object.values(wf?.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (String(step.uses ?? "").startsWith("anthropics/claude-code-action@")) out.push(String(step.with?.allowed_bots ?? ""));
    }
  }
  return out;
}

export async function runChecks(input: DoctorInput): Promise<Check[]> {
  const { root, config, ctx, gh, r } = input;
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);

  // 1. The token and who it is.
  let me: Identity;
  try {
    me = await identityOf(gh);
  } catch (err) {
    if (statusOf(err) === 401) {
      add({
        name: "token",
        ok: false,
        detail: "GitHub refused the token (401 Bad credentials)",
        fix: "set GITHUB_TOKEN (or GH_TOKEN) to a valid token: `export GH_TOKEN=$(gh auth token)`",
      });
      return checks;
    }
    throw err;
  }
  add({
    name: "token",
    ok: true,
    detail:
      me.kind === "user" ? `valid, acts as ${me.login} (personal token)` : `valid, an installation token (GitHub Actions or a GitHub App)`,
  });

  // 2. The repository.
  let repo: { default_branch: string; permissions?: { push?: boolean; triage?: boolean; admin?: boolean; maintain?: boolean } };
  try {
    repo = (await r.gh.rest.repos.get({ owner: r.owner, repo: r.repo })).data;
  } catch (err) {
    const s = statusOf(err);
    if (s === 404 || s === 403) {
      add({
        name: "repository",
        ok: false,
        detail: `${ctx.repository} is not visible to this token (${s})`,
        fix: `check GITHUB_REPOSITORY (owner/name) and give the token access to ${ctx.repository}`,
      });
      return checks;
    }
    throw err;
  }
  add({ name: "repository", ok: true, detail: `${ctx.repository} reachable at ${ctx.apiUrl}` });

  // 3. Permissions: a person's role through the collaborator endpoint, an installation's from the repository.
  let write: { issues: boolean; contents: boolean; pulls: boolean; how: string };
  if (me.kind === "user") {
    const { data } = await r.gh.rest.repos.getCollaboratorPermissionLevel({ owner: r.owner, repo: r.repo, username: me.login });
    const can = data.permission === "admin" || data.permission === "write";
    write = { issues: can, contents: can, pulls: can, how: `${me.login} has the ${data.role_name ?? data.permission} role` };
  } else {
    const p = repo.permissions ?? {};
    const push = !!(p.push || p.admin || p.maintain);
    write = { issues: push || !!p.triage, contents: push, pulls: push, how: "from the repository's permissions for this token" };
  }
  const perm = (scope: string, ok: boolean, why: string) =>
    add({
      name: `permission ${scope}`,
      ok,
      detail: ok ? `write (${write.how})` : `missing (${write.how}): ${why}`,
      fix: ok
        ? undefined
        : `grant \`${scope}: write\` in the workflow's job \`permissions:\` (a personal token needs the write role on ${ctx.repository})`,
    });
  perm("issues", write.issues, "the healing issue, its comments and labels cannot be written");
  perm("contents", write.contents, "the task file cannot be pushed and repository_dispatch cannot be sent");
  perm("pull-requests", write.pulls, "verification cannot comment on the agent's pull request");

  // 4. Labels: heal creates missing ones when it may write issues.
  const wanted = [...new Set([...config.labels.healing, ...config.labels.coverage, config.labels.needsHuman, config.labels.paused])];
  const existing = await r.gh.paginate(r.gh.rest.issues.listLabelsForRepo, { owner: r.owner, repo: r.repo, per_page: 100 });
  const have = new Set(existing.map((l) => l.name.toLowerCase()));
  const missing = wanted.filter((n) => !have.has(n.toLowerCase()));
  add(
    missing.length === 0
      ? { name: "labels", ok: true, detail: `all ${wanted.length} exist (${wanted.join(", ")})` }
      : write.issues
        ? {
            name: "labels",
            ok: true,
            detail: `${missing.length} of ${wanted.length} missing (${missing.join(", ")}): heal creates them with issues: write`,
          }
        : {
            name: "labels",
            ok: false,
            detail: `${missing.length} of ${wanted.length} missing (${missing.join(", ")}) and the token cannot create them`,
            fix: missing.map((n) => `gh label create ${JSON.stringify(n)}`).join(" && "),
          },
  );

  // 5. Default branch: repository_dispatch (and so the agent workflow) only runs from it.
  const def = repo.default_branch;
  const agentOnDefault = agentWorkflowOnBranch(root, def);
  add(
    agentOnDefault === false
      ? {
          name: "default branch",
          ok: false,
          detail: `${def}: origin/${def} has no ${AGENT_WORKFLOW}, and repository_dispatch runs only workflows on the default branch`,
          fix: `merge ${AGENT_WORKFLOW} into ${def}`,
        }
      : { name: "default branch", ok: true, detail: `${def}${config.branches.includes(def) ? " (healed)" : ""}` },
  );

  // 6. Workflows installed in this checkout.
  const loop = readWorkflow(root, LOOP_WORKFLOW);
  const agentWf = readWorkflow(root, AGENT_WORKFLOW);
  const absent = [loop ? null : LOOP_WORKFLOW, agentWf ? null : AGENT_WORKFLOW].filter((x): x is string => !!x);
  add(
    absent.length === 0
      ? { name: "workflows", ok: true, detail: `${LOOP_WORKFLOW} and ${AGENT_WORKFLOW} installed` }
      : {
          name: "workflows",
          ok: false,
          detail: `missing ${absent.join(" and ")}`,
          fix: "run `task setup -- .` in the repository, commit and push",
        },
  );

  // 7. The hand-off: something whose events do start the agent workflow.
  add(await handoffCheck(input, me, write.contents, agentWf));
  return checks;
}

/** true/false: whether origin/<branch> holds the agent workflow; null when that ref is not in this checkout. */
function agentWorkflowOnBranch(root: string, branch: string): boolean | null {
  if (git(root, ["rev-parse", "--verify", "-q", `refs/remotes/origin/${branch}`]).status !== 0) return null;
  return git(root, ["cat-file", "-e", `refs/remotes/origin/${branch}:${AGENT_WORKFLOW}`]).status === 0;
}

async function handoffCheck(input: DoctorInput, me: Identity, canDispatch: boolean, agentWf: Workflow | null): Promise<Check> {
  const { config, ctx } = input;
  const { agent } = config;
  const name = "hand-off";
  // The same decision heal:hand-off makes.
  const plan = planHandoff(agent, ctx.agentToken !== null);
  const tokenEnv = agent.tokenEnv;
  const tokenMissing = agent.handoff === "token" && agent.mention.trim() !== "";
  if (plan.via === "none" && !tokenMissing) {
    return { name, ok: true, detail: `off: ${plan.explain}` };
  }
  if (plan.via === "none") {
    return {
      name,
      ok: false,
      detail: `agent.handoff is token but ${tokenEnv} is not set, and issues filed with GITHUB_TOKEN wake nothing`,
      fix: `add the secret ${tokenEnv} (GitHub App installation token or PAT), or set agent.handoff: dispatch`,
    };
  }
  if (plan.via === "comment") {
    const agentToken = ctx.agentToken!;
    if (agentToken === ctx.token) {
      return {
        name,
        ok: false,
        detail: `${tokenEnv} is the default token: its comments start no workflow`,
        fix: `set ${tokenEnv} to a GitHub App installation token or a PAT of another account`,
      };
    }
    let who: Identity;
    try {
      who = await identityOf(clientFor(ctx, agentToken));
    } catch (err) {
      if (statusOf(err) === 401)
        return { name, ok: false, detail: `GitHub refused ${tokenEnv} (401)`, fix: `replace the ${tokenEnv} secret with a valid token` };
      throw err;
    }
    if (who.kind === "user" && me.kind === "user" && who.login === me.login) {
      return {
        name,
        ok: false,
        detail: `${tokenEnv} acts as ${who.login}, the same account as the main token`,
        fix: `use a token of another account (a machine user or a GitHub App) for ${tokenEnv}`,
      };
    }
    const login = who.kind === "user" ? who.login : "<your app's slug>[bot]";
    return {
      name,
      ok: true,
      detail: `comments by ${who.kind === "user" ? who.login : "the GitHub App"} (${tokenEnv}) start the agent workflow; it accepts them when the repository variable HEAL_AGENT_LOGIN is ${login} (gh variable set HEAL_AGENT_LOGIN --body '${login}')`,
    };
  }
  // dispatch (or auto without an agent token)
  const types = dispatchTypes(agentWf);
  if (!agentWf) {
    return {
      name,
      ok: false,
      detail: `repository_dispatch ${agent.dispatchEventType} needs ${AGENT_WORKFLOW}, which is missing`,
      fix: "run `task setup -- .`, commit and merge into the default branch",
    };
  }
  if (!types || !types.includes(agent.dispatchEventType)) {
    return {
      name,
      ok: false,
      detail: `${AGENT_WORKFLOW} does not listen for repository_dispatch type ${agent.dispatchEventType}${types?.length ? ` (it listens for ${types.join(", ")})` : ""}`,
      fix: `set \`on.repository_dispatch.types: [${agent.dispatchEventType}]\` in ${AGENT_WORKFLOW}, or agent.dispatch_event_type: ${types?.[0] ?? "heal-agent"} in the config`,
    };
  }
  const bots = allowedBots(agentWf);
  if (
    bots.some((b) =>
      b
        .split(",")
        .map((s) => s.trim())
        .includes("*"),
    )
  ) {
    return {
      name,
      ok: false,
      detail: `${AGENT_WORKFLOW} sets allowed_bots: '*', which lets any bot start the agent`,
      fix: "set allowed_bots to exactly github-actions for the dispatch job",
    };
  }
  if (
    !bots.some((b) =>
      b
        .split(",")
        .map((s) => s.trim().replace(/\[bot\]$/, ""))
        .includes("github-actions"),
    )
  ) {
    return {
      name,
      ok: false,
      detail: `a dispatch sent with GITHUB_TOKEN arrives as github-actions, which ${AGENT_WORKFLOW} does not allow`,
      fix: "set `allowed_bots: github-actions` on the claude-code-action step of the dispatch job",
    };
  }
  if (!canDispatch) {
    return {
      name,
      ok: false,
      detail: "repository_dispatch needs contents: write, which the token lacks",
      fix: "grant `contents: write` to the heal and verify jobs",
    };
  }
  return { name, ok: true, detail: `repository_dispatch ${agent.dispatchEventType} starts ${AGENT_WORKFLOW} (no ${tokenEnv} set)` };
}
