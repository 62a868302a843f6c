import type { Command } from "commander";
import { Capsule } from "wrenn";
import { collectPairs, connection, output, progress } from "../../cli/context.js";
import { describeCapsule } from "./describe.js";

export function register(capsule: Command): void {
  capsule
    .command("create")
    .description("Create a capsule and print its id")
    .option("-t, --template <name>", "built-in template or one of your snapshots", "minimal")
    .option("--vcpus <n>", "virtual CPUs (1-8)", Number, 1)
    .option("--memory <mb>", "memory in MiB (128-16384)", Number, 512)
    .option("--timeout <sec>", "idle seconds before it is paused (0 = never)", Number, 300)
    .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collectPairs)
    .option("-m, --metadata <KEY=VALUE>", "label (repeatable)", collectPairs)
    .option("--egress <mode>", "network egress: allow_all, deny_all or allow_list", "allow_all")
    .option("--allow <cidr-or-domain>", "allowed destination with --egress allow_list (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText("after", "\nExamples:\n  wrenn capsule create\n  wrenn capsule create -t python --memory 1024 -e DEBUG=1 --json\n  wrenn capsule create --egress allow_list --allow 10.0.0.0/8 --allow example.com")
    .action(async (opts: { template: string; vcpus: number; memory: number; timeout: number; env?: Record<string, string>; metadata?: Record<string, string>; egress: string; allow?: string[] }, cmd: Command) => {
      progress(cmd, `creating a capsule from ${opts.template}…`);
      const allow = opts.allow ?? [];
      const created = await Capsule.create({
        ...connection(cmd),
        template: opts.template,
        vcpus: opts.vcpus,
        memoryMb: opts.memory,
        timeoutMs: opts.timeout * 1000,
        envs: opts.env ?? {},
        metadata: opts.metadata ?? {},
        network: {
          egress: opts.egress as "allow_all" | "deny_all" | "allow_list",
          allowCidrs: allow.filter((a) => /^[\d.:/a-fA-F]+$/.test(a) && a.includes("/")),
          allowDomains: allow.filter((a) => !(/^[\d.:/a-fA-F]+$/.test(a) && a.includes("/"))),
        },
      });
      const info = await created.getInfo();
      output(cmd, info, () => (cmd.optsWithGlobals<{ quiet?: boolean }>().quiet ? info.capsuleId : describeCapsule(info)));
    });
}
