import { stat } from "node:fs/promises";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";
import type { HttpHandler } from "../context.js";
import { userPath, type UserPath } from "../filesystem/user-path.js";
import type { UserInfo } from "../users.js";
import { writeUserFile } from "./files-write.js";
import { MultipartReader, multipartBoundary, type PartHeaders } from "./files-multipart.js";
import { filesUser, header } from "./files-request.js";

/** One uploaded file in the response, as E2B's envd reports it. */
export interface UploadedFile {
  name: string;
  type: "file";
  path: string;
}

/**
 * `POST /files?path=…&username=…`: multipart/form-data with one or more file parts (or a
 * raw application/octet-stream body with `path`). Each file is streamed to disk as it
 * arrives, into parent directories created for and owned by the user; the file itself is
 * owned by the user too.
 *
 * Where a part goes: with `path` naming an existing directory (or ending in "/"), inside
 * it under the part's filename; with any other `path`, to `path` itself (so only one
 * file may be sent); without `path`, to the part's filename resolved like any user path
 * (relative to the user's home). Form fields that are not files are ignored.
 */
export const uploadFiles: HttpHandler = async (req, res, ctx, url) => {
  const user = filesUser(req, ctx, url);
  const rawPath = url.searchParams.get("path") || undefined;
  const base = rawPath === undefined ? undefined : userPath(rawPath, user);
  const contentType = header(req, "content-type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();

  let uploaded: UploadedFile[];
  if (mediaType === "application/octet-stream") {
    if (!base) throw new WrennError("invalid_request", "the path query parameter is required for a raw (application/octet-stream) upload");
    if (await isDirectory(base)) {
      throw new WrennError("invalid_request", `path is a directory: ${base.path}; a raw upload needs a file path`);
    }
    await writeUserFile(base, req);
    uploaded = [described(base.path)];
  } else if (mediaType.startsWith("multipart/")) {
    uploaded = await uploadParts(new MultipartReader(req, multipartBoundary(contentType)), base, user);
  } else {
    throw new WrennError(
      "invalid_request",
      `unsupported Content-Type "${contentType}": send multipart/form-data (or application/octet-stream with ?path=)`,
    );
  }
  const body = JSON.stringify(uploaded);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

async function uploadParts(reader: MultipartReader, base: UserPath | undefined, user: UserInfo): Promise<UploadedFile[]> {
  const intoDir = base !== undefined && (await isDirectory(base));
  const uploaded: UploadedFile[] = [];
  for (let part; (part = await reader.nextPart()); ) {
    if (part.filename === undefined && part.name !== "file") continue;
    const dest = destination(part, base, intoDir, user);
    if (uploaded.some((file) => file.path === dest.path)) {
      throw new WrennError(
        "invalid_request",
        `more than one file in this upload goes to ${dest.path}; pass a directory as path to upload several files`,
      );
    }
    await writeUserFile(dest, reader.body());
    uploaded.push(described(dest.path));
  }
  return uploaded;
}

function destination(part: PartHeaders, base: UserPath | undefined, intoDir: boolean, user: UserInfo): UserPath {
  if (base && !intoDir) return base;
  const filename = part.filename;
  if (!filename) {
    throw new WrennError(
      "invalid_request",
      base
        ? `a file part has no filename, so it cannot be placed in directory ${base.path}; set its filename`
        : "a file part has no filename and no path query parameter was given; set one of them",
    );
  }
  if (base) return { raw: posix.join(base.raw, filename), path: posix.join(base.path, filename), user };
  return userPath(filename, user);
}

/** An existing directory, or a path written with a trailing slash (to be created). */
async function isDirectory(target: UserPath): Promise<boolean> {
  if (target.raw.endsWith("/")) return true;
  return (await stat(target.path).catch(() => undefined))?.isDirectory() ?? false;
}

function described(path: string): UploadedFile {
  return { name: posix.basename(path), type: "file", path };
}
