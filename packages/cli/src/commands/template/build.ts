import type { Command } from "commander";
import { connection } from "../../cli/context.js";
import { ApiError, rest } from "../../cli/rest.js";

export function register(template: Command): void {
  template
    .command("build <wrennfile>")
    .description("Build a template from a recipe file (RUN, ENV, WORKDIR, USER, COPY, START)")
    .requiredOption("--name <name>", "template name")
    .addHelpText("after", "\nExample:\n  wrenn template build ./Wrennfile --name my-env")
    .action(async (_file: string, _opts: { name: string }, cmd: Command) => {
      try {
        await rest(connection(cmd).resolved, "GET", "/builds");
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw new Error("this Wrenn server does not run recipe builds yet; snapshot a prepared capsule instead: wrenn template snapshot <capsule-id> <name>");
        }
        throw err;
      }
      throw new Error("recipe builds are not wired into the CLI yet; use POST /v1/builds");
    });
}
