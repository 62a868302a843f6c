import { WrennError } from "@wrenn/core";
import type { ProcessSelector } from "@wrenn/proto/envd/process";

export type Selector = { by: "pid"; pid: number } | { by: "tag"; tag: string };

/** A request's process selector, validated. */
export function parseSelector(selector: ProcessSelector | undefined): Selector {
  const choice = selector?.selector;
  if (choice?.case === "pid") return { by: "pid", pid: choice.value };
  if (choice?.case === "tag" && choice.value.length > 0) return { by: "tag", tag: choice.value };
  throw new WrennError("invalid_request", "process selector is required: pass the pid or the tag of a running process");
}

/** `not_found` for a selector that matches no running process. */
export function noSuchProcess(selector: Selector): WrennError {
  const what = selector.by === "pid" ? `pid ${selector.pid}` : `tag "${selector.tag}"`;
  return new WrennError("not_found", `no running process with ${what}: it has exited or never existed; call List to see running processes`);
}
