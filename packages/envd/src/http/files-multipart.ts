import { WrennError } from "@wrenn/core";

/** What a part's headers say about it. */
export interface PartHeaders {
  /** Form field name from Content-Disposition. */
  name: string | undefined;
  /** File name from Content-Disposition (`filename*` preferred), exactly as sent. */
  filename: string | undefined;
  contentType: string | undefined;
}

export interface MultipartLimits {
  /** Largest header block of one part. */
  maxHeaderBytes?: number;
  maxParts?: number;
}

const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");
const CR = 0x0d;

function malformed(detail: string): WrennError {
  return new WrennError("invalid_request", `malformed multipart body: ${detail}`);
}

/** The boundary from a `multipart/form-data; boundary=…` Content-Type, or `invalid_request`. */
export function multipartBoundary(contentType: string | undefined): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) {
    throw new WrennError(
      "invalid_request",
      "multipart Content-Type needs a boundary parameter of 1 to 70 characters, e.g. multipart/form-data; boundary=x",
    );
  }
  return boundary;
}

/**
 * Streaming multipart/form-data reader (RFC 7578 / 2046). Parts are read in order:
 * `nextPart()` returns a part's headers, then `body()` yields its bytes as slices of the
 * incoming chunks; nothing is buffered beyond one chunk plus a partial delimiter. The
 * delimiter is found with Buffer.indexOf, so the cost per byte is that of a memchr-like
 * scan, not of JavaScript.
 */
export class MultipartReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly source: AsyncIterator<Buffer>;
  private readonly dashBoundary: Buffer;
  private readonly delimiter: Buffer;
  private state: "preamble" | "boundary" | "body" | "done" = "preamble";
  private parts = 0;
  private readonly maxHeaderBytes: number;
  private readonly maxParts: number;

  constructor(source: AsyncIterable<Buffer>, boundary: string, limits: MultipartLimits = {}) {
    this.source = source[Symbol.asyncIterator]();
    this.dashBoundary = Buffer.from(`--${boundary}`, "latin1");
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
    this.maxParts = limits.maxParts ?? 1000;
  }

  /** The next part's headers, or undefined after the closing boundary. Skips an unread body. */
  async nextPart(): Promise<PartHeaders | undefined> {
    if (this.state === "body") for await (const _ of this.body());
    if (this.state === "preamble") await this.skipPreamble();
    if (this.state === "done") return undefined;
    // Right after a boundary: "--" closes the body, otherwise padding and CRLF.
    while (this.buf.length < 2) if (!(await this.fill())) throw malformed("the body ended right after a boundary");
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
      this.state = "done";
      return undefined;
    }
    let eol: number;
    while ((eol = this.buf.indexOf(CRLF)) < 0) {
      if (this.buf.length > 256) throw malformed("a boundary line is not followed by CRLF");
      if (!(await this.fill())) throw malformed("the body ended right after a boundary");
    }
    if (!/^[ \t]*$/.test(this.buf.toString("latin1", 0, eol))) throw malformed("a boundary line has trailing characters");
    this.buf = this.buf.subarray(eol + 2);
    if (++this.parts > this.maxParts) throw malformed(`more than ${this.maxParts} parts`);
    const headers = await this.readHeaders();
    this.state = "body";
    return headers;
  }

  /** The current part's bytes; must be read to the end (or skipped by nextPart()). */
  async *body(): AsyncGenerator<Buffer> {
    if (this.state !== "body") return;
    const delimiter = this.delimiter;
    for (;;) {
      const at = this.buf.indexOf(delimiter);
      if (at >= 0) {
        const data = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + delimiter.length);
        this.state = "boundary";
        if (data.length > 0) yield data;
        return;
      }
      const keep = this.partialDelimiterAt();
      if (keep > 0) {
        const data = this.buf.subarray(0, keep);
        this.buf = this.buf.subarray(keep);
        yield data;
      }
      if (!(await this.fill())) throw malformed("the body ended inside a part; the closing boundary is missing");
    }
  }

  /** Where a possible beginning of the delimiter starts at the end of `buf` (its length if none). */
  private partialDelimiterAt(): number {
    const buf = this.buf;
    let i = Math.max(0, buf.length - this.delimiter.length + 1);
    while ((i = buf.indexOf(CR, i)) >= 0) {
      if (buf.compare(this.delimiter, 0, buf.length - i, i) === 0) return i;
      i++;
    }
    return buf.length;
  }

  private async skipPreamble(): Promise<void> {
    for (;;) {
      if (this.buf.length >= this.dashBoundary.length && this.buf.subarray(0, this.dashBoundary.length).equals(this.dashBoundary)) {
        this.buf = this.buf.subarray(this.dashBoundary.length);
        break;
      }
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        this.buf = this.buf.subarray(at + this.delimiter.length);
        break;
      }
      if (this.buf.length >= this.delimiter.length) this.buf = this.buf.subarray(this.buf.length - this.delimiter.length + 1);
      if (!(await this.fill())) throw malformed("no boundary found; check the boundary in Content-Type");
    }
    this.state = "boundary";
  }

  private async readHeaders(): Promise<PartHeaders> {
    let end: number;
    for (;;) {
      // A part without headers starts with the blank line at once.
      if (this.buf.length >= 2 && this.buf[0] === CR && this.buf[1] === 0x0a) {
        this.buf = this.buf.subarray(2);
        return { name: undefined, filename: undefined, contentType: undefined };
      }
      end = this.buf.indexOf(CRLFCRLF);
      if (end >= 0) break;
      if (this.buf.length > this.maxHeaderBytes) throw malformed(`part headers are larger than ${this.maxHeaderBytes} bytes`);
      if (!(await this.fill())) throw malformed("the body ended inside part headers");
    }
    if (end > this.maxHeaderBytes) throw malformed(`part headers are larger than ${this.maxHeaderBytes} bytes`);
    const text = this.buf.toString("utf8", 0, end);
    this.buf = this.buf.subarray(end + 4);
    return parsePartHeaders(text);
  }

  private async fill(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }
}

export function parsePartHeaders(text: string): PartHeaders {
  const headers: PartHeaders = { name: undefined, filename: undefined, contentType: undefined };
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`invalid part header line "${line.slice(0, 100)}"`);
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") headers.contentType = value;
    if (key !== "content-disposition") continue;
    const params = dispositionParams(value);
    headers.name = params.get("name");
    headers.filename = params.get("filename*") ?? params.get("filename");
  }
  return headers;
}

/** `form-data; name="file"; filename="a.txt"; filename*=UTF-8''%E2%82%AC.txt` → params. */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m; (m = re.exec(value)); ) {
    const key = m[1]!.toLowerCase();
    let raw = m[2]!.trim();
    if (raw.startsWith('"')) raw = raw.slice(1, -1).replace(/\\(.)/g, "$1");
    if (key.endsWith("*")) {
      // RFC 5987: charset'language'percent-encoded
      const ext = /^([^']*)'[^']*'(.*)$/.exec(raw);
      if (!ext) continue;
      const bytes = Buffer.from(ext[2]!.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
      raw = bytes.toString(ext[1]!.toLowerCase() === "utf-8" ? "utf8" : "latin1");
    }
    params.set(key, raw);
  }
  return params;
}
