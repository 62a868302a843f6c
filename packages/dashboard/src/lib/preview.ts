/** Whether and how the file browser previews a file: text up to a cap, small images, nothing else. */

/** Text larger than this is not fetched for preview (download it instead). */
export const TEXT_PREVIEW_MAX_BYTES = 256 * 1024;
/** Images larger than this are not fetched for preview. */
export const IMAGE_PREVIEW_MAX_BYTES = 4 * 1024 * 1024;

export type PreviewPlan =
  | { kind: "text" }
  | { kind: "image"; mime: string }
  | { kind: "none"; reason: string };

const imageMimes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
};

/** Extensions that are never text, so the browser need not fetch bytes to find out. */
const binaryExtensions = new Set([
  "gz", "tgz", "zip", "tar", "xz", "bz2", "zst", "7z", "rar", "jar", "whl", "pyc", "so", "o", "a", "dylib", "exe",
  "bin", "dat", "db", "sqlite", "pdf", "mp3", "mp4", "mov", "wav", "ogg", "webm", "ico", "bmp", "tiff", "woff",
  "woff2", "ttf", "otf", "class", "wasm", "iso", "img", "deb", "rpm", "npy", "pt", "parquet",
]);

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** The plan for an entry from its listing alone (before any bytes are read). */
export function planPreview(entry: { name: string; type: string; size: number }): PreviewPlan {
  if (entry.type === "directory") return { kind: "none", reason: "This is a folder." };
  const ext = extensionOf(entry.name);
  const mime = imageMimes[ext];
  if (mime) {
    if (entry.size > IMAGE_PREVIEW_MAX_BYTES) return { kind: "none", reason: `Image too large to preview (over ${IMAGE_PREVIEW_MAX_BYTES / 1024 / 1024} MiB). Download it instead.` };
    return { kind: "image", mime };
  }
  if (binaryExtensions.has(ext)) return { kind: "none", reason: "Binary file: no preview. Download it instead." };
  if (entry.size > TEXT_PREVIEW_MAX_BYTES) return { kind: "none", reason: `File too large to preview (over ${TEXT_PREVIEW_MAX_BYTES / 1024} KiB). Download it instead.` };
  return { kind: "text" };
}

/**
 * Decodes bytes as UTF-8 text, or null when they look binary: a NUL byte, invalid UTF-8,
 * or many control characters in the first 8 KiB.
 */
export function decodeText(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 8192);
  let control = 0;
  for (const b of head) {
    if (b === 0) return null;
    if (b < 7 || (b > 13 && b < 32 && b !== 27)) control += 1;
  }
  if (head.length > 0 && control / head.length > 0.1) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
