import type { Command } from "commander";
import { register as login } from "./login.js";

/** One module per verb, under its noun: `<noun>/<verb>.ts` exports `register(noun)`. */
const capsuleVerbs = ["create", "list", "info", "exec", "shell", "pause", "resume", "kill", "metrics", "logs"];
const fileVerbs = ["ls", "get", "put", "rm"];
const templateVerbs = ["list", "snapshot", "delete", "build"];
const keyVerbs = ["create", "list", "revoke"];

type Register = (noun: Command) => void;

async function verbs(noun: Command, dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const module = (await import(`./${dir}/${name}.js`)) as { register: Register };
    module.register(noun);
  }
}

/** The commands that talk to a Wrenn API (as opposed to running one: up, cp, agent). */
export async function registerClientCommands(program: Command): Promise<void> {
  await verbs(program.command("capsule").alias("capsules").description("Create, inspect, run code in and manage capsules"), "capsule", capsuleVerbs);
  await verbs(program.command("files").description("Move files in and out of capsules"), "files", fileVerbs);
  await verbs(program.command("template").alias("templates").description("Templates: built-in images and your snapshots"), "template", templateVerbs);
  await verbs(program.command("key").alias("keys").description("Your team's API keys"), "key", keyVerbs);
  login(program);
}
