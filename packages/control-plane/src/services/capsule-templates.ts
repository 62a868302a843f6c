import { WrennError } from "@wrenn/core";
import { findUsableTemplate, listTeamTemplates, templateNamesAmong, type Template } from "@wrenn/db";
import { TemplateKind, type TemplateInfo } from "@wrenn/proto/hostagent/v1";
import type { Deps } from "../deps.js";

/** Built-in names change only when an operator adds an image; a short cache keeps creates fast. */
const BUILTIN_TTL_MS = 30_000;
/** Past this age a cached list is not served while it refreshes: the caller waits for a new one. */
const BUILTIN_MAX_STALE_MS = 5 * 60_000;

interface BuiltinList {
  at: number;
  templates: TemplateInfo[];
  /**
   * Built-in names that a template row also carries. New rows cannot take a built-in name
   * (builds and snapshots refuse them), so only rows made before the image existed do;
   * every other built-in name resolves without reading the templates table.
   */
  shadowed: Set<string>;
}

const builtinCache = new WeakMap<Deps, { list?: BuiltinList; refreshing?: Promise<BuiltinList> }>();

/**
 * The image templates every team may use: the built-ins of the fleet's online agents
 * (every agent builds the same recipes; the first that answers speaks for all). A list
 * older than the TTL is still served while one request refreshes it in the background.
 */
export async function builtinTemplates(deps: Deps, options: { fresh?: boolean } = {}): Promise<TemplateInfo[]> {
  return (await builtinList(deps, options)).templates;
}

async function builtinList(deps: Deps, options: { fresh?: boolean } = {}): Promise<BuiltinList> {
  return (!options.fresh && servableBuiltinList(deps)) || refreshBuiltinList(deps);
}

/** The cached list if it may still be served (refreshing it in the background once past the TTL). */
function servableBuiltinList(deps: Deps): BuiltinList | undefined {
  const list = builtinCache.get(deps)?.list;
  const age = list ? Date.now() - list.at : Infinity;
  if (age >= BUILTIN_MAX_STALE_MS) return undefined;
  if (age >= BUILTIN_TTL_MS) refreshBuiltinList(deps).catch(() => {}); // the next caller retries
  return list;
}

/** One refresh at a time per control plane; concurrent callers share it. */
function refreshBuiltinList(deps: Deps): Promise<BuiltinList> {
  const entry = builtinCache.get(deps) ?? {};
  builtinCache.set(deps, entry);
  return (entry.refreshing ??= fetchBuiltinList(deps)
    .then((list) => (entry.list = list))
    .finally(() => (entry.refreshing = undefined)));
}

async function fetchBuiltinList(deps: Deps): Promise<BuiltinList> {
  const agents = await deps.fleet.onlineAgents();
  if (agents.length === 0) throw new WrennError("no_hosts_available", "no host agent is online to list the built-in templates");
  let lastError: unknown;
  for (const agent of agents) {
    let templates: TemplateInfo[];
    try {
      templates = (await agent.client.listTemplates({}, { timeoutMs: 10_000 })).templates.filter((t) => t.kind === TemplateKind.IMAGE);
    } catch (err) {
      lastError = err;
      continue;
    }
    const shadowed = new Set(await templateNamesAmong(deps.db, templates.map((t) => t.name)));
    return { at: Date.now(), templates, shadowed };
  }
  throw lastError;
}

export async function isBuiltinTemplate(deps: Deps, name: string): Promise<boolean> {
  if ((await builtinTemplates(deps)).some((t) => t.name === name)) return true;
  return (await builtinTemplates(deps, { fresh: true })).some((t) => t.name === name);
}

/** A template name as the caller wrote it, and what the host agent knows it by. */
export interface ResolvedTemplate {
  name: string;
  agentName: string;
  /** The templates row for team and platform templates (absent for built-ins). */
  row?: Template;
  /** The built-in image the template ultimately derives from. */
  baseTemplate: string;
}

/**
 * Resolves a template for one team: its own templates first, then platform templates,
 * then the agent's built-ins. Other teams' snapshots are never reachable, not even by
 * their agent-side name.
 */
export async function resolveTemplate(deps: Deps, teamId: string, name: string): Promise<ResolvedTemplate> {
  // The common case, a built-in that no row shadows, needs no database read.
  const known = servableBuiltinList(deps);
  if (known?.templates.some((t) => t.name === name) && !known.shadowed.has(name)) return { name, agentName: name, baseTemplate: name };
  const row = await findUsableTemplate(deps.db, teamId, name);
  if (row) return { name, agentName: row.agent_name, row, baseTemplate: row.base_template || name };
  if (await isBuiltinTemplate(deps, name)) return { name, agentName: name, baseTemplate: name };
  throw await unknownTemplate(deps, teamId, name);
}

/** not_found naming what the team can use instead. */
export async function unknownTemplate(deps: Deps, teamId: string, name: string): Promise<WrennError> {
  const names = await availableTemplateNames(deps, teamId);
  return new WrennError("not_found", `template "${name}" not found; available templates: ${names.join(", ") || "none"}`);
}

export async function availableTemplateNames(deps: Deps, teamId: string): Promise<string[]> {
  const [builtins, own] = await Promise.all([builtinTemplates(deps).catch(() => []), listTeamTemplates(deps.db, teamId)]);
  return [...builtins.map((t) => t.name), ...own.map((t) => t.name)];
}
