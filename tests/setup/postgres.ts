import type { TestProject } from "vitest/node";
import { startPostgres } from "@wrenn/testkit";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's PostgreSQL cluster; take a database of your own with `createTestDatabase`. */
    postgresUrl: string;
  }
}

/** One throwaway PostgreSQL cluster for the whole test run (about a second to start). */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgres();
  provide("postgresUrl", cluster.url);
  return () => cluster.stop();
}
