import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The browser tests serve the dashboard as the control plane does, from
 * packages/dashboard/dist: build it once from the sources as they are now, in production
 * mode (vitest itself sets NODE_ENV=test), before any test file runs.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, "build"], {
    cwd: `${root}packages/dashboard`,
    stdio: "pipe",
    env: { ...process.env, NODE_ENV: "production" },
  });
}
