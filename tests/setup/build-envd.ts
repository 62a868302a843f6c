import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Capsules run envd's bundle: build it once before any test (esbuild, about a second). */
export default function setup(): void {
  const envdDir = fileURLToPath(new URL("../../packages/envd/", import.meta.url));
  execFileSync(process.execPath, ["build.mjs"], { cwd: envdDir, stdio: "inherit" });
}
