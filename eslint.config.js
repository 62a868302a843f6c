import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "packages/proto/src/gen/**", "coverage/**", "bench/_exp*", "scratch-*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  // Tests and benchmarks read JSON responses loosely on purpose.
  { files: ["tests/**", "bench/**"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
);
