import type { EnvdConnection } from "../envd/connection.js";
import type { TemplateRecord } from "../capsules/types.js";

/** Defaults a template hands to the capsules made from it. */
export interface TemplateDefaults {
  envs: Record<string, string>;
  user: string;
  workdir: string;
}

/** What a build needs from the capsule manager. */
export interface BuildHost {
  isBuiltinTemplate(name: string): boolean;
  /** "image" / "snapshot", or undefined for no such template. */
  templateKind(name: string): Promise<TemplateRecord["kind"] | undefined>;
  templateDefaults(name: string): Promise<TemplateDefaults>;
  /** A hidden capsule from `base`; resolves with its id. */
  startBuildCapsule(base: string, vcpus: number, memoryMb: number, signal?: AbortSignal): Promise<string>;
  ownEnvd(id: string): EnvdConnection;
  /** Publishes the capsule as `name`, atomically replacing an older template of that name. */
  publishBuild(id: string, name: string, kind: "snapshot" | "image", defaults: TemplateDefaults): Promise<TemplateRecord>;
  /** Removes a published template (a build canceled while it was being saved). */
  deleteSnapshot(name: string): Promise<void>;
  destroyOwn(id: string): Promise<void>;
}

/** What a build reports while it runs; the RPC layer turns these into wire messages. */
export type BuildEvent =
  | { type: "step"; index: number; instruction: string; args: string }
  | { type: "log"; step: number; data: Uint8Array; stderr: boolean }
  | { type: "keepalive" }
  | { type: "finished"; ok: boolean; error: string; failedStep: number; durationMs: number; template?: TemplateRecord };
