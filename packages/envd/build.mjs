// Bundles envd into one ESM file (dist/envd.mjs). The native PTY module stays external:
// capsule images ship it next to the bundle under /opt/wrenn/envd/node_modules.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/envd.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["wrenn-source"],
  external: ["@lydell/node-pty"],
  sourcemap: true,
  minify: false,
  legalComments: "none",
  // Bundled CommonJS dependencies still call require(); give them one.
  banner: { js: "import { createRequire as __wrennRequire } from 'node:module'; const require = __wrennRequire(import.meta.url);" },
  logLevel: "warning",
});
