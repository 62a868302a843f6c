import { WrennError } from "@wrenn/core";
import { findUsableTemplate, listTeamTemplates, type Template } from "@wrenn/db";
import { TemplateKind, type TemplateInfo } from "@wrenn/proto/hostagent/v1";
import type { Deps } from "../deps.js";

/** Built-in names change only when an operator adds an image; a short cache keeps creates fast. */
const BUILTIN_TTL_MS = 30_000;
const builtinCache = new WeakMap<Deps, { at: number; templates: TemplateInfo[] }>();

/**
 * The image templates every team may use: the built-ins of the fleet's online agents
 * (every agent builds the same recipes; the first that answers speaks for all).
 */
export async function builtinTemplates(deps: Deps, options: { fresh?: boolean } = {}): Promise<TemplateInfo[]> {
  const cached = builtinCache.get(deps);
  if (cached && !options.fresh && Date.now() - cached.at < BUILTIN_TTL_MS) return cached.templates;
  const agents = await deps.fleet.onlineAgents();
  if (agents.length === 0) throw new WrennError("no_hosts_available", "no host agent is online to list the built-in templates");
  let lastError: unknown;
  for (const agent of agents) {
    try {
      const { templates } = await agent.client.listTemplates({}, { timeoutMs: 10_000 });
      const images = templates.filter((t) => t.kind === TemplateKind.IMAGE);
      builtinCache.set(deps, { at: Date.now(), templates: images });
      return images;
    } catch (err) {
      lastError = err;
    }
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
