import type { ConnectRouter } from "@connectrpc/connect";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import type { EnvdContext } from "../context.js";
import { rpc, toConnectError } from "../errors.js";
import { listDir } from "./list-dir.js";
import { makeDir } from "./make-dir.js";
import { moveEntry } from "./move.js";
import { removeEntry } from "./remove.js";
import { statEntry } from "./stat.js";
import { rpcUser, userPath, withHomeHint } from "./user-path.js";
import { KEEPALIVE_HEADER, keepaliveMs, watchDir } from "./watch-dir.js";

/** filesystem.Filesystem over Connect: each method resolves the user and path, then calls its operation. */
export function registerFilesystemService(router: ConnectRouter, ctx: EnvdContext): void {
  const { users } = ctx;
  router.service(Filesystem, {
    stat: (req, call) =>
      rpc(async () => ({ entry: await statEntry(userPath(req.path, rpcUser(ctx, call)), users) })),

    makeDir: (req, call) =>
      rpc(async () => ({ entry: await makeDir(userPath(req.path, rpcUser(ctx, call)), users) })),

    move: (req, call) =>
      rpc(async () => {
        const user = rpcUser(ctx, call);
        return { entry: await moveEntry(userPath(req.source, user), userPath(req.destination, user), users) };
      }),

    listDir: (req, call) =>
      rpc(async () => ({ entries: await listDir(userPath(req.path, rpcUser(ctx, call)), req.depth, users) })),

    remove: (req, call) =>
      rpc(async () => {
        await removeEntry(userPath(req.path, rpcUser(ctx, call)));
        return {};
      }),

    async *watchDir(req, call) {
      try {
        yield* watchDir(userPath(req.path, rpcUser(ctx, call)), {
          recursive: req.recursive,
          includeEntry: req.includeEntry,
          users,
          keepaliveMs: keepaliveMs(call.requestHeader.get(KEEPALIVE_HEADER)),
          signal: call.signal,
        });
      } catch (err) {
        throw toConnectError(err);
      }
    },

    createWatcher: (req, call) =>
      rpc(async () => {
        const target = userPath(req.path, rpcUser(ctx, call));
        const options = { recursive: req.recursive, includeEntry: req.includeEntry, users };
        return { watcherId: await withHomeHint(target, () => ctx.watchers.create(target.path, options)) };
      }),

    getWatcherEvents: (req) => rpc(() => ({ events: ctx.watchers.takeEvents(req.watcherId) })),

    removeWatcher: (req) =>
      rpc(() => {
        ctx.watchers.remove(req.watcherId);
        return {};
      }),
  });
}
