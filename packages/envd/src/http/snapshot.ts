import type { HttpHandler } from "../context.js";
import { syncFilesystems } from "../reclaimer.js";

/**
 * `POST /snapshot/prepare`: the host agent calls this right before pausing. Background
 * work stops first (so nothing dirties memory while the image is taken), then dirty pages
 * are flushed and the page cache dropped so the snapshot is small. The next `/init`
 * (after resume) lifts the pause.
 */
export const snapshotPrepare: HttpHandler = async (_req, res, ctx) => {
  ctx.state.quiesced = true;
  ctx.state.events.emit("prepare");
  const synced = await syncFilesystems();
  // Failing to drop (gVisor, --dev as non-root) only makes the snapshot larger.
  const dropped = await ctx.dropPageCache();
  ctx.log.info("snapshot prepared", { synced, dropped });
  res.writeHead(204);
  res.end();
};
