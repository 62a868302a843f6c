import { WrennError } from "@wrenn/core";
import type { TemplateDefaults } from "../builds/types.js";
import type { ImageSource } from "./deps.js";
import { validateCreate, ownCapsuleInput, OWN_DEFAULT_MEMORY_MB, OWN_DEFAULT_VCPUS } from "./limits.js";
import { snapshotTemplate } from "./snapshot.js";
import type { SnapshotStore, StoredSnapshot } from "./snapshot-store.js";
import type { TemplateRecord } from "./types.js";
import type { PoolKey } from "./warm-pool.js";

/**
 * The templates of this host as capsules are made from them: built-in images (from the
 * image store) and the templates made here (snapshots and recipe builds, from the
 * snapshot store). A template used for a create is pinned until released, so replacing
 * it (a rebuild) cannot pull its files away mid-create.
 */
export class TemplateCatalog {
  constructor(
    private readonly images: ImageSource,
    private readonly snapshots: SnapshotStore,
    private readonly defaultUser: string | undefined,
  ) {}

  isBuiltin(name: string): boolean {
    return this.images.isBuiltin(name);
  }

  /** A made-here template pinned until `release`, undefined for a built-in; `not_found` otherwise. */
  async acquire(name: string): Promise<StoredSnapshot | undefined> {
    if (this.images.isBuiltin(name)) return undefined;
    const template = await this.snapshots.acquire(name);
    if (!template) throw await this.unknown(name);
    return template;
  }

  release(template: StoredSnapshot | undefined): Promise<void> {
    return this.snapshots.release(template);
  }

  async list(): Promise<TemplateRecord[]> {
    const images = (await this.images.list()).map(
      (i): TemplateRecord => ({ name: i.name, kind: "image", sizeBytes: i.sizeBytes, createdAt: i.createdAt, baseTemplate: "", vcpus: 0, memoryMb: 0, contentHash: i.contentHash }),
    );
    return [...images, ...(await this.snapshots.list()).map(snapshotTemplate)];
  }

  /** "image" or "snapshot", undefined for no such template. */
  async kind(name: string): Promise<TemplateRecord["kind"] | undefined> {
    if (this.images.isBuiltin(name)) return "image";
    const template = await this.snapshots.get(name);
    return template ? (template.kind ?? "snapshot") : undefined;
  }

  /** Env, user and workdir that capsules from `name` get when the request names none. */
  async defaults(name: string): Promise<TemplateDefaults> {
    const template = this.images.isBuiltin(name) ? undefined : await this.snapshots.get(name);
    return { envs: { ...template?.envs }, user: template?.defaultUser || this.defaultUser || "root", workdir: template?.defaultWorkdir ?? "" };
  }

  /**
   * The warm pool a request for (template, vcpus, memory) is served from: a checkpoint
   * restores with the specs it was taken with, so snapshot templates pin them; 0 means
   * the defaults.
   */
  async poolKey(key: PoolKey): Promise<PoolKey> {
    const template = await this.snapshots.get(key.template);
    if (!template && !this.images.isBuiltin(key.template)) throw await this.unknown(key.template);
    if (template && template.kind !== "image") return { template: key.template, vcpus: template.vcpus, memoryMb: template.memoryMb };
    const probe = validateCreate({
      ...ownCapsuleInput("cl-0000000000000000000000000", key.template),
      vcpus: key.vcpus || OWN_DEFAULT_VCPUS,
      memoryMb: key.memoryMb || OWN_DEFAULT_MEMORY_MB,
    });
    return { template: key.template, vcpus: probe.vcpus, memoryMb: probe.memoryMb };
  }

  private async unknown(name: string): Promise<WrennError> {
    const known = (await this.list()).map((t) => t.name).join(", ");
    return new WrennError("not_found", `unknown template "${name}"; templates on this host: ${known}`);
  }
}
