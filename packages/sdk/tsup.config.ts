import { defineConfig } from "tsup";

// The published package: ESM + CJS bundles with declarations. `tsc -b` (root) only
// type-checks and writes declarations to dist/types; it never produces the bundles.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: { compilerOptions: { composite: false, incremental: false, emitDeclarationOnly: false, stripInternal: true } },
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: false,
  tsconfig: "tsconfig.json",
});
