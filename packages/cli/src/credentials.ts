import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** `<data-dir>/credentials.json`: what `wrenn up` created, for scripts, the CLI and the SDK. */
export interface Credentials {
  api_url: string;
  api_key: string;
  email: string;
  password: string;
}

export const credentialsPath = (dataDir: string): string => join(dataDir, "credentials.json");

export function readCredentials(dataDir: string): Credentials | undefined {
  const file = credentialsPath(dataDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Credentials;
}

export function writeCredentials(dataDir: string, credentials: Credentials): void {
  const file = credentialsPath(dataDir);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
