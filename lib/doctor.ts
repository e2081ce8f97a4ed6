// The checks behind `task doctor`: token, repository, permissions, labels, default branch, installed
// workflows and their drift from the config, whether the hand-off can really start the agent, which agent
// identity is configured, the secrets and variables the workflows use, the Claude GitHub App, and the
// protection of the healed branches. Each check is one line with the exact fix, or says why it could not
// be made with this token. Reads only (GitHub and the local checkout).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { HealConfig } from "./config.ts";
import { git } from "./git.ts";
import { statusOf, type GitHubClient, type RepoClient } from "./github/client.ts";
import { clientFor, type GitHubContext } from "./github/context.ts";
import { planHandoff } from "./github/handoff.ts";

import { AGENT_WORKFLOW, LOOP_WORKFLOW, workflowDrift } from "./workflow-render.ts";
import { CONFIG_DIR } from "./paths.ts";

export { AGENT_WORKFLOW, LOOP_WORKFLOW };

/** owner/name of a checkout's origin remote when it is on github.com or on GITHUB_SERVER_URL's host, else null. */
export function originRepository(root: string, serverUrl: string | undefined = process.env.GITHUB_SERVER_URL): string | null {
  const url = git(root, ["remote", "get-url", "origin"]).stdout;
  const hosts = ["github.com"];
  const server = /^https?:\/\/([^/]+)/.exec(serverUrl?.trim() ?? "")?.[1];
  if (server) hosts.push(server);
  for (const host of hosts) {
    const esc = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const m = new RegExp(`${esc}[/:]([^/\\s]+)\\/([^/\\s]+?)(?:\\.git)?$`).exec(url);
    if (m) return `${m[1]}/${m[2]}`;
  }
  return null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do, exactly, when !ok (or for a warning). */
  fix?: string;
  /** unchecked: this token cannot see it (detail says why; not a failure); warning: works, with a catch. */
  state?: "unchecked" | "warning";
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
      : config.branches.includes(def)
        ? { name: "default branch", ok: true, detail: `${def} (healed)` }
        : {
            name: "default branch",
            ok: true,
            state: "warning",
            detail: `${def} is not in branches (${config.branches.join(", ")}): its failing tests open no healing issue`,
            fix: `add ${def} to branches in ${CONFIG_DIR}/config.yaml, then run \`task setup -- .\``,
          },
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

  // 7. Drift: the installed workflows carry the config's values (settings live once).
  const drift = driftCheck(root, config);
  if (drift) add(drift);

  // 8. The hand-off: something whose events do start the agent workflow.
  add(await handoffCheck(input, me, write.contents, agentWf));

  // 9. Secrets and variables the workflows use, the agent identity they configure, the Claude App.
  for (const c of await secretsChecks(input, loop || agentWf ? workflowText(root) : "")) add(c);

  // 10. The healed branches: a rule that refuses the task-context push.
  for (const branch of config.branches) add(await protectionCheck(input, branch));
  return checks;
}

function workflowText(root: string): string {
  return [LOOP_WORKFLOW, AGENT_WORKFLOW]
    .map((rel) => join(root, rel))
    .filter((abs) => existsSync(abs))
    .map((abs) => readFileSync(abs, "utf8"))
    .join("\n");
}

/** Each installed workflow setting that differs from what `task setup` renders for the config; null when none is installed. */
function driftCheck(root: string, config: HealConfig): Check | null {
  const found: string[] = [];
  let any = false;
  for (const rel of [LOOP_WORKFLOW, AGENT_WORKFLOW]) {
    const abs = join(root, rel);
    if (!existsSync(abs)) continue;
    any = true;
    const text = readFileSync(abs, "utf8");
    // The action ref as installed: the drift is about the config's values, not the toolkit's version.
    const action = /^\s*uses:\s+(\.\/|[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[\w.-]+)\s*$/m.exec(
      text
        .split("\n")
        .filter((l) => !/actions\/|anthropics\/|oven-sh\/|go-task\//.test(l))
        .join("\n"),
    )?.[1];
    for (const d of workflowDrift(rel, text, config, action ?? "./")) found.push(`${rel.split("/").at(-1)} ${d}`);
  }
  if (!any) return null;
  return found.length === 0
    ? { name: "drift", ok: true, detail: `the workflows carry the config's values (${CONFIG_DIR}/config.yaml)` }
    : {
        name: "drift",
        ok: false,
        detail: `the installed workflows differ from ${CONFIG_DIR}/config.yaml: ${found.join("; ")}`,
        fix: "run `task setup -- .` (it re-renders workflows you have not edited), commit and merge into the default branch",
      };
}

type NameList = { names: Set<string> } | { error: string };

async function listNames(input: DoctorInput, kind: "secrets" | "variables"): Promise<NameList> {
  const { r } = input;
  try {
    if (kind === "secrets") {
      const list = await r.gh.paginate(r.gh.rest.actions.listRepoSecrets, { owner: r.owner, repo: r.repo, per_page: 100 });
      return { names: new Set(list.map((x: { name: string }) => x.name)) };
    }
    const list = await r.gh.paginate(r.gh.rest.actions.listRepoVariables, { owner: r.owner, repo: r.repo, per_page: 30 });
    return { names: new Set(list.map((x: { name: string }) => x.name)) };
  } catch (err) {
    const status = statusOf(err);
    if (status === 403 || status === 404) {
      const perm = kind === "secrets" ? "Secrets: read" : "Variables: read";
      return {
        error: `${status} listing ${kind}: this token may not (it needs ${perm}, or the admin role for a classic PAT; GITHUB_TOKEN never may)`,
      };
    }
    throw err;
  }
}

/** Names used as secrets.X / vars.X in the installed workflows. */
export function referencedNames(text: string): { secrets: string[]; vars: string[] } {
  const pick = (re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => m[1]!))].filter((n) => n !== "GITHUB_TOKEN").sort();
  return { secrets: pick(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g), vars: pick(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g) };
}

const MODEL_KEYS = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"];

async function secretsChecks(input: DoctorInput, text: string): Promise<Check[]> {
  const { ctx, config } = input;
  const out: Check[] = [];
  const used = referencedNames(text);
  const secrets = await listNames(input, "secrets");
  const vars = await listNames(input, "variables");
  const has = (l: NameList, n: string): boolean | null => ("names" in l ? l.names.has(n) : null);

  // The agent's identity for the comment hand-off: an App minted per job, a PAT, or none (dispatch).
  const appId = has(vars, "HEAL_AGENT_APP_ID");
  const appKey = has(secrets, "HEAL_AGENT_APP_PRIVATE_KEY");
  const pat = has(secrets, config.agent.tokenEnv);
  const login = has(vars, "HEAL_AGENT_LOGIN");
  const name = "agent identity";
  if (appId === true && appKey === false) {
    out.push({
      name,
      ok: false,
      detail: "variable HEAL_AGENT_APP_ID is set but secret HEAL_AGENT_APP_PRIVATE_KEY is not: the token cannot be minted",
      fix: "gh secret set HEAL_AGENT_APP_PRIVATE_KEY < your-app.private-key.pem",
    });
  } else if (appId === true) {
    out.push({
      name,
      ok: login !== false,
      detail:
        `a GitHub App, its token minted in each job (HEAL_AGENT_APP_ID${appKey === null ? "; the private key secret could not be listed" : " + HEAL_AGENT_APP_PRIVATE_KEY"})` +
        (login === false ? ", but variable HEAL_AGENT_LOGIN is missing: the agent workflow ignores its comments" : ""),
      ...(login === false ? { fix: "gh variable set HEAL_AGENT_LOGIN --body '<app-slug>[bot]'" } : {}),
    });
  } else if (pat === true) {
    out.push({
      name,
      ok: login !== false,
      detail:
        `a static token (secret ${config.agent.tokenEnv}, a PAT): it works until it expires; a GitHub App token minted per job does not need rotating` +
        (login === false ? "; variable HEAL_AGENT_LOGIN is missing: the agent workflow ignores its comments" : ""),
      ...(login === false ? { fix: "gh variable set HEAL_AGENT_LOGIN --body '<the PAT's login>'" } : {}),
    });
  } else if (appId === false && pat === false) {
    out.push({ name, ok: true, detail: "none: heal wakes the agent with repository_dispatch (a GitHub App or a PAT is optional)" });
  } else {
    const seen = ctx.agentToken ? `${config.agent.tokenEnv} is set in this environment` : `${config.agent.tokenEnv} is not set here`;
    const why = "error" in vars ? vars.error : "error" in secrets ? secrets.error : "";
    out.push({
      name,
      ok: true,
      state: "unchecked",
      detail: `could not tell App, PAT or none: ${why}; ${seen}`,
    });
  }

  // The model credential and every other name the workflows read.
  const model = MODEL_KEYS.map((n) => has(secrets, n));
  if ("error" in secrets) {
    out.push({
      name: "secrets",
      ok: true,
      state: "unchecked",
      detail: `not checked: ${secrets.error}. The agent needs ${MODEL_KEYS.join(" or ")} (a model credential); the workflows read ${used.secrets.join(", ") || "no secret"}`,
    });
  } else if (!model.includes(true)) {
    out.push({
      name: "secrets",
      ok: false,
      detail: `no model credential: neither ${MODEL_KEYS.join(" nor ")} is a secret, and the agent needs one besides the Claude GitHub App`,
      fix: "gh secret set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from `claude setup-token`)",
    });
  } else {
    const set = used.secrets.filter((n) => has(secrets, n));
    out.push({
      name: "secrets",
      ok: true,
      detail: `set: ${set.join(", ")}; model credential: ${MODEL_KEYS.filter((_, i) => model[i]).join(", ")}`,
    });
  }
  if ("error" in vars) {
    out.push({
      name: "variables",
      ok: true,
      state: "unchecked",
      detail: `not checked: ${vars.error}. The workflows read ${used.vars.join(", ") || "no variable"}`,
    });
  } else {
    const set = used.vars.filter((n) => has(vars, n));
    out.push({
      name: "variables",
      ok: true,
      detail: `set: ${set.join(", ") || "none"} (of ${used.vars.join(", ") || "none"} the workflows read)`,
    });
  }

  // The Claude GitHub App: only the App itself can see where it is installed.
  const server = ctx.serverUrl.replace(/\/+$/, "");
  out.push({
    name: "Claude GitHub App",
    ok: true,
    state: "unchecked",
    detail:
      "not checked: only the App can see its installations (GET /repos/{owner}/{repo}/installation needs its own JWT). " +
      `The agent step needs it installed on ${ctx.repository} (https://github.com/apps/claude; it exists on github.com only)` +
      (server !== "https://github.com" ? `: on ${server} give the agent step a github_token of your own App instead` : ""),
  });
  return out;
}

/** Rules that refuse a plain commit pushed by the workflow to the branch. */
const REFUSING_RULES = new Set(["pull_request", "required_signatures", "update", "required_status_checks", "non_fast_forward"]);

async function protectionCheck(input: DoctorInput, branch: string): Promise<Check> {
  const { r } = input;
  const name = `branch ${branch}`;
  let isProtected: boolean;
  try {
    isProtected = (await r.gh.rest.repos.getBranch({ owner: r.owner, repo: r.repo, branch })).data.protected;
  } catch (err) {
    const status = statusOf(err);
    if (status === 404) return { name, ok: true, detail: "does not exist yet: healed once it does" };
    if (status === 403)
      return { name, ok: true, state: "unchecked", detail: "not checked: 403 reading the branch (the token needs Contents: read)" };
    throw err;
  }
  let rules: string[] = [];
  try {
    const list = await r.gh.rest.repos.getBranchRules({ owner: r.owner, repo: r.repo, branch, per_page: 100 });
    rules = [...new Set(list.data.map((x: { type: string }) => x.type))];
  } catch (err) {
    const status = statusOf(err);
    if (status !== 403 && status !== 404) throw err;
  }
  const refusing = rules.filter((t) => REFUSING_RULES.has(t));
  if (!isProtected && refusing.length === 0)
    return { name, ok: true, detail: "takes the task-context push (no protection, no refusing rule)" };
  const why = [isProtected ? "classic branch protection" : null, refusing.length ? `rules: ${refusing.join(", ")}` : null]
    .filter(Boolean)
    .join("; ");
  return {
    name,
    ok: true,
    state: "warning",
    detail: `${why}: the task-context commit pushed with GITHUB_TOKEN is likely refused`,
    fix: "let the GitHub Actions app bypass these rules for this branch, or rely on the task context travelling in the issue and the dispatch payload",
  };
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
      fix: `give the agent an identity: a GitHub App whose token the workflow mints per job (variable HEAL_AGENT_APP_ID, secret HEAL_AGENT_APP_PRIVATE_KEY), or a PAT as the secret ${tokenEnv}; or set agent.handoff: dispatch`,
    };
  }
  if (plan.via === "comment") {
    const agentToken = ctx.agentToken!;
    if (agentToken === ctx.token) {
      return {
        name,
        ok: false,
        detail: `${tokenEnv} is the default token: its comments start no workflow`,
        fix: `pass ${tokenEnv} a GitHub App token minted in the job (actions/create-github-app-token) or a PAT of another account`,
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
