import type { ResolvedConfig } from "../config.js";
import { ServerError, errorFromResponse, errorFromTransport } from "../errors.js";
import { SDK_VERSION } from "../version.js";

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  /** JSON body (serialized here) or a raw body with its own content type. */
  json?: unknown;
  body?: RequestInit["body"];
  headers?: Record<string, string>;
  query?: Query;
  /** Overrides the client's requestTimeoutMs for this call; 0 = no deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Node's fetch needs `duplex: "half"` for a streamed request body; the DOM types lack it. */
type StreamingInit = RequestInit & { duplex?: "half" };

interface Started {
  response: Response;
  url: string;
  timeoutMs: number;
  /** Ends the deadline (the body may still be read). */
  clear(): void;
}

/** REST transport: auth header, deadlines, and every non-2xx turned into a typed error. */
export class HttpClient {
  constructor(readonly config: ResolvedConfig) {}

  /** `path` is under `/v1`, e.g. `/capsules`. */
  url(path: string, query?: Query): string {
    const url = new URL(`${this.config.apiUrl}/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  /** Headers every call carries; WebSockets use them too. */
  authHeaders(): Record<string, string> {
    return { "x-api-key": this.config.apiKey, "user-agent": `wrenn-sdk-js/${SDK_VERSION}` };
  }

  private async start(method: string, path: string, options: RequestOptions): Promise<Started> {
    const url = this.url(path, options.query);
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    const deadline = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => deadline.abort(new DOMException("deadline", "TimeoutError")), timeoutMs) : undefined;
    const clear = (): void => clearTimeout(timer);
    const headers: Record<string, string> = { ...this.authHeaders(), ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    const init: StreamingInit = {
      method,
      headers,
      signal: options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal,
      ...(body !== undefined ? { body } : {}),
      ...(body instanceof ReadableStream ? { duplex: "half" as const } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      clear();
      throw errorFromTransport(deadline.signal.aborted ? deadline.signal.reason : err, { url, ...(deadline.signal.aborted ? { timeoutMs } : {}) });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      clear();
      throw errorFromResponse(response.status, text, response.headers);
    }
    return { response, url, timeoutMs, clear };
  }

  /**
   * Sends a request and returns the 2xx response with its body unread (for streams: the
   * deadline covers the answer's headers, not the body). Throws a WrennError otherwise.
   */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const { response, clear } = await this.start(method, path, options);
    clear();
    return response;
  }

  /** A call answered with JSON (or 204 → `undefined`); the deadline covers the whole body. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { response, url, timeoutMs, clear } = await this.start(method, path, options);
    let text: string;
    try {
      text = response.status === 204 ? "" : await response.text();
    } catch (err) {
      throw errorFromTransport(err, { url, timeoutMs });
    } finally {
      clear();
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ServerError(`${method} ${url} answered with invalid JSON: ${text.slice(0, 100)}`, { code: "invalid_response", status: response.status, cause: err });
    }
  }

  /** A call answered with bytes, read whole. */
  async bytes(method: string, path: string, options: RequestOptions = {}): Promise<Uint8Array> {
    const { response, url, timeoutMs, clear } = await this.start(method, path, options);
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (err) {
      throw errorFromTransport(err, { url, timeoutMs });
    } finally {
      clear();
    }
  }
}
