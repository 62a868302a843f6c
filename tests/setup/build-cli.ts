import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * End-to-end tests run the built `wrenn` CLI exactly as the README does: bring its
 * compiled output up to date first (`tsc -b` is incremental: seconds when nothing changed).
 * A type error elsewhere must not stop unrelated tests, so a failed build only warns; CI
 * builds (and type-checks) before it tests.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b", "packages/cli"], { cwd: root, stdio: "pipe" });
    // The CLI imports the SDK's published build (tsup), not its sources.
    execFileSync("npm", ["run", "build", "--silent", "--workspace", "wrenn"], { cwd: root, stdio: "pipe" });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? "");
    process.stderr.write(`warning: could not build packages/cli or the SDK; e2e tests use the last build\n${out.slice(0, 2000)}\n`);
  }
}
