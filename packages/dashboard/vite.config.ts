import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** `npm run dev` proxies the API to a control plane on WRENN_API (default localhost:8080). */
const api = process.env.WRENN_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The budget is checked by src/bundle-budget.test.ts; this only quiets Vite's own warning.
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { "/v1": { target: api, ws: true } } },
});
