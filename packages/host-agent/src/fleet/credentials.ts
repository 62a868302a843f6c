import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What a registered agent keeps (mode 0600) to reach and prove itself to its control plane. */
export interface HostCredentials {
  control_plane_url: string;
  host_id: string;
  address: string;
  token: string;
  refresh_token: string;
  cert_pem: string;
  key_pem: string;
  ca_cert_pem: string;
}

export const credentialsPath = (wrennDir: string): string => join(wrennDir, "host", "credentials.json");

export async function loadCredentials(wrennDir: string): Promise<HostCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(credentialsPath(wrennDir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<HostCredentials>;
  for (const key of ["control_plane_url", "host_id", "address", "token", "refresh_token", "cert_pem", "key_pem", "ca_cert_pem"] as const) {
    if (typeof parsed[key] !== "string" || parsed[key] === "") throw new Error(`${credentialsPath(wrennDir)} is missing "${key}"; register the agent again (wrenn agent --register <token>)`);
  }
  return parsed as HostCredentials;
}

/** Written atomically (temp + rename), so a crash never leaves half a file and no refresh token is lost. */
export async function saveCredentials(wrennDir: string, credentials: HostCredentials): Promise<void> {
  const dir = join(wrennDir, "host");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = credentialsPath(wrennDir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  await rename(temp, file);
}

export async function forgetCredentials(wrennDir: string): Promise<void> {
  await rm(credentialsPath(wrennDir), { force: true });
}
