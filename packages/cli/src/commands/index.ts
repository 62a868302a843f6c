import type { Command } from "commander";
import { register as capsuleCreate } from "./capsule/create.js";
import { register as capsuleExec } from "./capsule/exec.js";
import { register as capsuleLifecycle } from "./capsule/lifecycle.js";
import { register as capsuleShell } from "./capsule/shell.js";
import { register as capsuleShow } from "./capsule/show.js";
import { register as files } from "./files/index.js";
import { register as key } from "./key/index.js";
import { register as login } from "./login.js";
import { register as template } from "./template/index.js";

/** The commands that talk to a Wrenn API (as opposed to running one: up, cp, agent). */
export function registerClientCommands(program: Command): void {
  const capsule = program.command("capsule").alias("capsules").description("Create, inspect, run code in and manage capsules");
  for (const register of [capsuleCreate, capsuleShow, capsuleExec, capsuleShell, capsuleLifecycle]) register(capsule);
  files(program.command("files").description("Move files in and out of capsules"));
  template(program.command("template").alias("templates").description("Templates: built-in images and your snapshots"));
  key(program.command("key").alias("keys").description("Your team's API keys"));
  login(program);
}
