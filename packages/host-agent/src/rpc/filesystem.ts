import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { FsEventType, WatchDirResponseSchema } from "@wrenn/proto/hostagent/v1";
import { asUser } from "../envd/connection.js";
import { entryInfo } from "./convert.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, path as validPath } from "./validate.js";

/** Directory and metadata operations: envd's filesystem.Filesystem, with the caller's user. */
export function filesystemHandlers({ capsules }: RpcDeps): Handlers<"listDir" | "stat" | "makeDir" | "move" | "removePath" | "watchDir"> {
  return {
    async listDir(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const { entries } = await envd.filesystem.listDir(
        { path: validPath(req.path), depth: req.depth || 1 },
        { ...asUser(req.user), signal: ctx.signal },
      );
      return { entries: entries.map((entry) => entryInfo(entry)!) };
    },

    async stat(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const { entry } = await envd.filesystem.stat({ path: validPath(req.path) }, { ...asUser(req.user), signal: ctx.signal });
      return { entry: entryInfo(entry) };
    },

    /** Idempotent (unlike envd's): an existing directory is answered with its entry. */
    async makeDir(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const path = validPath(req.path);
      const options = { ...asUser(req.user), signal: ctx.signal };
      try {
        return { entry: entryInfo((await envd.filesystem.makeDir({ path }, options)).entry) };
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.AlreadyExists)) throw err;
        return { entry: entryInfo((await envd.filesystem.stat({ path }, options)).entry) };
      }
    },

    async move(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const { entry } = await envd.filesystem.move(
        { source: validPath(req.source, "source"), destination: validPath(req.destination, "destination") },
        { ...asUser(req.user), signal: ctx.signal },
      );
      return { entry: entryInfo(entry) };
    },

    async removePath(req, ctx) {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      await envd.filesystem.remove({ path: validPath(req.path) }, { ...asUser(req.user), signal: ctx.signal });
      return {};
    },

    /**
     * Events under a directory until the caller goes away. The first message is a
     * keepalive sent once envd's watch is in place, so a caller knows from when on
     * changes are seen.
     */
    async *watchDir(req, ctx): AsyncGenerator<MessageInitShape<typeof WatchDirResponseSchema>> {
      const envd = capsules.envd(capsuleId(req.capsuleId));
      const path = validPath(req.path);
      for await (const res of envd.filesystem.watchDir({ path, recursive: req.recursive }, { signal: ctx.signal })) {
        const event = res.event;
        if (event.case === "filesystem") {
          yield { event: { case: "fs", value: { type: event.value.type as number as FsEventType, name: event.value.name } } };
        } else if (event.case === "start" || event.case === "keepalive") {
          yield { event: { case: "keepalive", value: {} } };
        }
      }
    },
  };
}
