import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { ResolvedConfig } from "wrenn";
import WebSocket from "ws";
import { connection, output, progress } from "../../cli/context.js";
import { ApiError } from "../../cli/rest.js";
import { parseWrennfile, type Wrennfile } from "./wrennfile.js";

interface BuildJson {
  id: string;
  status: string;
  error: string | null;
  current_step: number;
}

/** The COPY sources of a Wrennfile as a tar.gz, taken from its directory. */
function archiveOf(dir: string, sources: string[]): Buffer {
  for (const src of sources) {
    if (!existsSync(join(dir, src))) throw new Error(`COPY source "${src}" does not exist in ${dir}`);
  }
  return execFileSync("tar", ["-czf", "-", "-C", dir, "--", ...sources], { maxBuffer: 110 * 1024 * 1024 });
}

async function submit(config: ResolvedConfig, name: string, file: Wrennfile, archive: Buffer | undefined, vcpus: number, memoryMb: number): Promise<BuildJson> {
  const form = new FormData();
  form.set("name", name);
  form.set("base_template", file.baseTemplate);
  form.set("recipe", JSON.stringify(file.recipe));
  if (file.healthcheck) form.set("healthcheck", file.healthcheck);
  form.set("vcpus", String(vcpus));
  form.set("memory_mb", String(memoryMb));
  if (archive) form.set("archive", new Blob([archive]), "context.tar.gz");
  const res = await fetch(`${config.apiUrl}/v1/builds`, { method: "POST", headers: { "x-api-key": config.apiKey }, body: form });
  const text = await res.text();
  if (!res.ok) {
    const parsed = (() => {
      try {
        return JSON.parse(text) as { error?: { code?: string; message?: string } };
      } catch {
        return {};
      }
    })();
    throw new ApiError(res.status, parsed.error?.code ?? "error", parsed.error?.message ?? text);
  }
  return JSON.parse(text) as BuildJson;
}

/** Prints the build's logs as they come; resolves with the `finished` message. */
function follow(config: ResolvedConfig, id: string, quiet: boolean): Promise<{ status: string; error?: string }> {
  const url = `${config.apiUrl.replace(/^http/, "ws")}/v1/builds/${id}/logs`;
  return new Promise((resolvePromise, reject) => {
    const socket = new WebSocket(url, { headers: { "x-api-key": config.apiKey } });
    let finished: { status: string; error?: string } | undefined;
    socket.on("message", (data) => {
      const m = JSON.parse(String(data)) as { type: string; data?: string; stream?: string; index?: number; instruction?: string; args?: string; status?: string; error?: string; message?: string };
      if (m.type === "log" && !quiet) (m.stream === "stderr" ? process.stderr : process.stdout).write(m.data ?? "");
      else if (m.type === "finished") finished = { status: m.status ?? "failed", ...(m.error ? { error: m.error } : {}) };
      else if (m.type === "error") reject(new Error(m.message ?? "the log stream failed"));
    });
    socket.once("error", reject);
    socket.once("close", () => (finished ? resolvePromise(finished) : reject(new Error(`the log stream closed before the build finished; see wrenn's GET /v1/builds/${id}`))));
  });
}

export function register(template: Command): void {
  template
    .command("build <wrennfile>")
    .description("Build a template from a Wrennfile (FROM, RUN, ENV, WORKDIR, USER, COPY, START, HEALTHCHECK), with live logs")
    .requiredOption("--name <name>", "template name (a rebuild replaces it)")
    .option("--vcpus <n>", "vCPUs of the build capsule (and of a snapshot template)", "1")
    .option("--memory <mb>", "memory in MB", "512")
    .addHelpText("after", "\nCOPY sources are taken from the Wrennfile's directory.\nExample:\n  wrenn template build ./Wrennfile --name my-env")
    .action(async (path: string, opts: { name: string; vcpus: string; memory: string }, cmd: Command) => {
      const file = resolve(path);
      const parsed = parseWrennfile(readFileSync(file, "utf8"));
      const archive = parsed.copySources.length > 0 ? archiveOf(dirname(file), parsed.copySources) : undefined;
      const config = connection(cmd).resolved;
      const build = await submit(config, opts.name, parsed, archive, Number(opts.vcpus), Number(opts.memory));
      progress(cmd, `build ${build.id} queued`);
      const quiet = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      const result = await follow(config, build.id, quiet);
      if (result.status !== "success") {
        process.exitCode = 1;
        throw new Error(`build ${build.id} ${result.status}${result.error ? `: ${result.error}` : ""}`);
      }
      output(cmd, { id: build.id, status: result.status, template: opts.name }, () => `template "${opts.name}" built (build ${build.id})`);
    });
}
