import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress, table } from "../../cli/context.js";
import { ApiError, rest } from "../../cli/rest.js";

export function register(template: Command): void {
  template
    .command("list")
    .alias("ls")
    .description("Built-in templates and your team's snapshots")
    .option("--type <type>", "only base or snapshot templates")
    .addHelpText("after", "\nExample:\n  wrenn template list --type snapshot")
    .action(async (opts: { type?: "base" | "snapshot" }, cmd: Command) => {
      const list = await Capsule.listTemplates({ ...connection(cmd), ...(opts.type ? { type: opts.type } : {}) });
      output(cmd, list, () =>
        table(
          ["NAME", "TYPE", "BASE", "SIZE", "CREATED"],
          list.map((t) => [t.name, t.type, t.baseTemplate || "-", `${(t.sizeBytes / 1024 / 1024).toFixed(0)}M`, t.createdAt ? t.createdAt.toISOString().slice(0, 10) : "-"]),
        ),
      );
    });

  template
    .command("snapshot <capsule-id> [name]")
    .description("Save a running capsule (memory, processes and files) as a template")
    .option("--overwrite", "replace an existing snapshot with this name")
    .addHelpText("after", "\nExamples:\n  wrenn template snapshot cl-… my-env\n  wrenn capsule create -t my-env")
    .action(async (id: string, name: string | undefined, opts: { overwrite?: boolean }, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      progress(cmd, `snapshotting ${id}…`);
      const created = await capsuleHandle.createSnapshot(name, { overwrite: opts.overwrite === true });
      output(cmd, created, () => `snapshot ${created.name} created (${(created.sizeBytes / 1024 / 1024).toFixed(0)} MiB); start one with: wrenn capsule create -t ${created.name}`);
    });

  template
    .command("delete <name>")
    .alias("rm")
    .description("Delete one of your snapshots")
    .addHelpText("after", "\nExample:\n  wrenn template delete my-env")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const deleted = await Capsule.deleteSnapshot(name, connection(cmd));
      if (!deleted) throw new Error(`no snapshot named ${name}; see \`wrenn template list --type snapshot\``);
      output(cmd, { deleted: name }, () => `deleted ${name}`);
    });

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
