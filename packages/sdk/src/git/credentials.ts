import { InvalidArgumentError } from "../errors.js";

/** Credentials for one git command against an HTTPS remote. */
export interface GitCredentials {
  username?: string;
  password?: string;
  /** A personal access token; sent as the password (username defaults to `x-access-token`). */
  token?: string;
}

/** Environment variables the one-shot helper reads; they exist only for that command. */
export const USERNAME_ENV = "WRENN_GIT_USERNAME";
export const PASSWORD_ENV = "WRENN_GIT_PASSWORD";

/**
 * `git -c` options for one command: first an empty `credential.helper` (drops helpers from
 * the system and global config, so nothing like `store` saves the secret), then an inline
 * helper that answers `get` from the command's environment. `-c` before the subcommand is
 * never written to any config file, and the secret itself is not on the command line.
 */
export const CREDENTIAL_OPTIONS: readonly string[] = [
  "-c",
  "credential.helper=",
  "-c",
  // printf, not echo: dash's echo would interpret backslashes in the secret.
  `credential.helper=!f() { test "$1" = get || return 0; printf 'username=%s\\npassword=%s\\n' "$${USERNAME_ENV}" "$${PASSWORD_ENV}"; }; f`,
];

/** The username/password a set of options means, or undefined for none. */
export function resolveCredentials(creds: GitCredentials): { username: string; password: string } | undefined {
  if (creds.token !== undefined && creds.password !== undefined) {
    throw new InvalidArgumentError("pass either token or password, not both", { code: "invalid_request" });
  }
  const password = creds.token ?? creds.password;
  if (password === undefined) {
    if (creds.username !== undefined) throw new InvalidArgumentError("username was given without a password or token", { code: "invalid_request" });
    return undefined;
  }
  for (const [name, value] of [["username", creds.username ?? ""], ["password", password]] as const) {
    if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError(`the git ${name} must not contain line breaks or NUL`, { code: "invalid_request" });
  }
  return { username: creds.username ?? (creds.token !== undefined ? "x-access-token" : ""), password };
}

/**
 * Splits credentials out of a remote URL (`https://user:token@host/repo.git`), so they are
 * used for this command only and the URL stored in the repository carries none.
 */
export function stripUrlCredentials(url: string): { url: string; username?: string; password?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url }; // scp-like (git@host:repo) or a local path: nothing to strip
  }
  if (!parsed.username && !parsed.password) return { url };
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** Everything one authenticated git command needs: the `-c` options and its environment. */
export function credentialInvocation(creds: GitCredentials): { options: readonly string[]; envs: Record<string, string> } {
  const resolved = resolveCredentials(creds);
  const envs: Record<string, string> = { GIT_TERMINAL_PROMPT: "0" };
  if (!resolved) return { options: [], envs };
  return { options: CREDENTIAL_OPTIONS, envs: { ...envs, [USERNAME_ENV]: resolved.username, [PASSWORD_ENV]: resolved.password } };
}
