import { basename } from "node:path";
import { Readable } from "node:stream";
import { bytesToText } from "../encoding.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { HttpClient } from "../transport/http.js";
import { multipartBody } from "./multipart.js";
import { chunksOf, isBuffered, sizeOf, toBlob, type WriteData } from "./source.js";
import { entryOf, type EntryInfo, type EntryJson, type FileOptions, type FilesystemEvent, type WriteEntry, type WriteInfo } from "./types.js";
import { WatchHandle, type WatchOptions } from "./watch-handle.js";

/** The API's limit for a buffered upload; bigger data goes through the streamed endpoint. */
export const MAX_BUFFERED_UPLOAD_BYTES = 100 * 1024 * 1024;

export type ReadFormat = "text" | "bytes" | "stream";

const nameOf = (path: string): string => basename(path) || "file";

/**
 * Files and directories in a capsule. Reach it as `capsule.files`. Paths are absolute or
 * relative to the user's home (`~` works too).
 *
 * @example
 * ```ts
 * await capsule.files.write("/home/user/hello.txt", "hello");
 * const text = await capsule.files.read("/home/user/hello.txt");
 * ```
 */
export class Files {
  /** @internal */
  constructor(
    private readonly http: HttpClient,
    private readonly capsuleId: string,
  ) {}

  private path(op: string): string {
    return `/capsules/${this.capsuleId}/files/${op}`;
  }

  private call<T>(op: string, body: Record<string, unknown>, options: FileOptions): Promise<T> {
    return this.http.json<T>("POST", this.path(op), {
      json: { ...body, ...(options.user ? { user: options.user } : {}) },
      ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
    });
  }

  /**
   * Reads a file: as text (default, UTF-8), as bytes, or as a stream of any size.
   *
   * @example
   * ```ts
   * const text = await capsule.files.read("/etc/hostname");
   * const bytes = await capsule.files.read("/bin/true", { format: "bytes" });
   * const stream = await capsule.files.read("/tmp/big.bin", { format: "stream" });
   * ```
   */
  read(path: string, options?: FileOptions & { format?: "text" }): Promise<string>;
  read(path: string, options: FileOptions & { format: "bytes" }): Promise<Uint8Array>;
  read(path: string, options: FileOptions & { format: "stream" }): Promise<ReadableStream<Uint8Array>>;
  read(path: string, options?: FileOptions & { format?: ReadFormat }): Promise<string | Uint8Array | ReadableStream<Uint8Array>>;
  async read(path: string, options: FileOptions & { format?: ReadFormat } = {}): Promise<string | Uint8Array | ReadableStream<Uint8Array>> {
    const body = { path, ...(options.user ? { user: options.user } : {}) };
    if (options.format === "stream") {
      const response = await this.http.send("POST", this.path("stream/read"), { json: body, ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}) });
      return response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    }
    const bytes = await this.http.bytes("POST", this.path("read"), { json: body, ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}) });
    return options.format === "bytes" ? bytes : bytesToText(bytes);
  }

  /**
   * Reads a file of any size as a Node.js `Readable` (e.g. to pipe it to a local file).
   *
   * @example
   * ```ts
   * import { createWriteStream } from "node:fs";
   * import { pipeline } from "node:stream/promises";
   * await pipeline(await capsule.files.downloadStream("/tmp/dump.tar"), createWriteStream("dump.tar"));
   * ```
   */
  async downloadStream(path: string, options: FileOptions = {}): Promise<Readable> {
    const stream = await this.read(path, { ...options, format: "stream" });
    return Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>);
  }

  /**
   * Writes a file (parents are created). Data up to 100 MiB held in memory is uploaded in one
   * request; streams (web `ReadableStream`, Node `Readable`, async iterables) and bigger
   * data are streamed, whatever their size. Pass an array of `{ path, data }` to write several.
   *
   * @example
   * ```ts
   * await capsule.files.write("/home/user/a.txt", "text");
   * await capsule.files.write("/home/user/b.bin", new Uint8Array([0, 255]));
   * await capsule.files.write("/home/user/big.iso", createReadStream("big.iso"));
   * await capsule.files.write([{ path: "x.txt", data: "x" }, { path: "y.txt", data: "y" }]);
   * ```
   */
  write(path: string, data: WriteData, options?: FileOptions): Promise<WriteInfo>;
  write(entries: WriteEntry[], options?: FileOptions): Promise<WriteInfo[]>;
  async write(pathOrEntries: string | WriteEntry[], dataOrOptions?: WriteData | FileOptions, maybeOptions?: FileOptions): Promise<WriteInfo | WriteInfo[]> {
    if (Array.isArray(pathOrEntries)) {
      const options = (dataOrOptions as FileOptions | undefined) ?? {};
      const written: WriteInfo[] = [];
      for (const entry of pathOrEntries) written.push(await this.writeOne(entry.path, entry.data, options));
      return written;
    }
    if (dataOrOptions === undefined || dataOrOptions === null) throw new InvalidArgumentError(`no data given for ${pathOrEntries}: pass a string, bytes, a Blob or a stream`, { code: "invalid_request" });
    return this.writeOne(pathOrEntries, dataOrOptions as WriteData, maybeOptions ?? {});
  }

  private async writeOne(path: string, data: WriteData, options: FileOptions): Promise<WriteInfo> {
    if (typeof path !== "string" || path === "") throw new InvalidArgumentError("path must be a non-empty string", { code: "invalid_request" });
    if (isBuffered(data) && sizeOf(data) <= MAX_BUFFERED_UPLOAD_BYTES) {
      const form = new FormData();
      form.append("path", path);
      if (options.user) form.append("user", options.user);
      form.append("file", toBlob(data), nameOf(path));
      await this.http.json("POST", this.path("write"), { body: form, ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}) });
      return { name: nameOf(path), path };
    }
    return this.uploadStream(path, data, options);
  }

  /**
   * Uploads from a stream of any size through the streamed endpoint (nothing is held in
   * memory). The call has no deadline unless `requestTimeoutMs` is given.
   *
   * @example
   * ```ts
   * import { createReadStream } from "node:fs";
   * await capsule.files.uploadStream("/home/user/data.csv", createReadStream("data.csv"));
   * ```
   */
  async uploadStream(path: string, data: WriteData, options: FileOptions = {}): Promise<WriteInfo> {
    const fields: Record<string, string> = { path, ...(options.user ? { user: options.user } : {}) };
    const { contentType, body } = multipartBody(fields, { field: "file", filename: nameOf(path), content: chunksOf(data) });
    await this.http.json("POST", this.path("stream/write"), { body, headers: { "content-type": contentType }, timeoutMs: options.requestTimeoutMs ?? 0 });
    return { name: nameOf(path), path };
  }

  /**
   * Lists a directory; `depth` > 1 includes the contents of subdirectories (up to 10 levels).
   *
   * @example
   * ```ts
   * const entries = await capsule.files.list("/home/user", { depth: 2 });
   * for (const e of entries) console.log(e.type, e.path, e.size);
   * ```
   */
  async list(path: string, options: FileOptions & { depth?: number } = {}): Promise<EntryInfo[]> {
    const { entries } = await this.call<{ entries: EntryJson[] }>("list", { path, ...(options.depth !== undefined ? { depth: options.depth } : {}) }, options);
    return entries.map(entryOf);
  }

  /**
   * Tells whether a path exists.
   *
   * @example
   * ```ts
   * if (!(await capsule.files.exists("/home/user/.cache"))) await capsule.files.makeDir("/home/user/.cache");
   * ```
   */
  async exists(path: string, options: FileOptions = {}): Promise<boolean> {
    try {
      await this.getInfo(path, options);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Describes a file or directory; throws `NotFoundError` when it does not exist.
   *
   * @example
   * ```ts
   * const info = await capsule.files.getInfo("/home/user/hello.txt");
   * console.log(info.size, info.permissions, info.modifiedAt);
   * ```
   */
  async getInfo(path: string, options: FileOptions = {}): Promise<EntryInfo> {
    return entryOf(await this.call<EntryJson>("stat", { path }, options));
  }

  /**
   * Makes a directory and its parents. An existing directory is fine (idempotent).
   *
   * @example
   * ```ts
   * await capsule.files.makeDir("/home/user/project/src");
   * ```
   */
  async makeDir(path: string, options: FileOptions = {}): Promise<EntryInfo> {
    return entryOf(await this.call<EntryJson>("mkdir", { path }, options));
  }

  /**
   * Moves or renames a file or directory.
   *
   * @example
   * ```ts
   * await capsule.files.rename("/home/user/draft.txt", "/home/user/final.txt");
   * ```
   */
  async rename(oldPath: string, newPath: string, options: FileOptions = {}): Promise<EntryInfo> {
    return entryOf(await this.call<EntryJson>("move", { source: oldPath, destination: newPath }, options));
  }

  /**
   * Removes a file, or a directory with everything in it.
   *
   * @example
   * ```ts
   * await capsule.files.remove("/home/user/tmp");
   * ```
   */
  async remove(path: string, options: FileOptions = {}): Promise<void> {
    await this.call("remove", { path }, options);
  }

  /**
   * Watches a directory; resolves once the watch is in place. `onEvent` gets every later
   * change (create, write, remove, rename, chmod) until `stop()`.
   *
   * @example
   * ```ts
   * const watch = await capsule.files.watchDir("/home/user", (event) => console.log(event.type, event.name), { recursive: true });
   * // ...
   * await watch.stop();
   * ```
   */
  watchDir(path: string, onEvent: (event: FilesystemEvent) => void, options: WatchOptions = {}): Promise<WatchHandle> {
    return WatchHandle.open(this.http, this.capsuleId, path, onEvent, options);
  }
}
