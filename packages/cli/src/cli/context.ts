import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { resolveConfig, type ConnectionOptions, type ResolvedConfig } from "wrenn";

/** `wrenn login` stores the API URL and key here (0600). */
export const loginFile = (): string => join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "wrenn", "config.json");

interface LoginConfig {
  api_url?: string;
  api_key?: string;
}

function readLogin(): LoginConfig {
  try {
    return JSON.parse(readFileSync(loginFile(), "utf8")) as LoginConfig;
  } catch {
    return {};
  }
}

export function writeLogin(config: LoginConfig): string {
  const file = loginFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Global flags every command can take. */
export interface GlobalOptions {
  apiUrl?: string;
  apiKey?: string;
  json?: boolean;
}

/**
 * Connection for a command: flags → environment → `wrenn login` config → `wrenn up`'s
 * credentials.json → defaults. Environment wins over the login file, as with most CLIs.
 */
export function connection(cmd: Command): ConnectionOptions & { resolved: ResolvedConfig } {
  const flags = cmd.optsWithGlobals<GlobalOptions>();
  const login = readLogin();
  const options: ConnectionOptions = {
    ...((flags.apiKey ?? process.env.WRENN_API_KEY ?? login.api_key) ? { apiKey: flags.apiKey ?? process.env.WRENN_API_KEY ?? login.api_key } : {}),
    ...((flags.apiUrl ?? process.env.WRENN_API_URL ?? login.api_url) ? { apiUrl: flags.apiUrl ?? process.env.WRENN_API_URL ?? login.api_url } : {}),
  };
  return { ...options, resolved: resolveConfig(options) };
}

export const wantsJson = (cmd: Command): boolean => cmd.optsWithGlobals<GlobalOptions>().json === true;

/** Prints `value` as JSON (for `--json`) or as the human text `render` makes. */
export function output(cmd: Command, value: unknown, render: () => string): void {
  process.stdout.write(wantsJson(cmd) ? `${JSON.stringify(value, null, 2)}\n` : `${render()}\n`);
}

/** Progress for people, on stderr (stdout stays clean for --json and pipes). */
export function progress(cmd: Command, message: string): void {
  if (!wantsJson(cmd) && process.stderr.isTTY) process.stderr.write(`${message}\n`);
}

/** A fixed-width table with a header row. */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return "(none)";
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `KEY=VALUE` flags (repeatable) into a map. */
export function collectPairs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new Error(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export const age = (from: Date | undefined): string => {
  if (!from) return "-";
  const s = Math.max(0, Math.round((Date.now() - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
};
