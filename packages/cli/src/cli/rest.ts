import type { ResolvedConfig } from "wrenn";

/** A failed API call, with the API's own error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON call to the public API for the few endpoints the SDK does not wrap (API keys, audit). */
export async function rest<T>(config: ResolvedConfig, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${config.apiUrl}/v1${path}`, {
      method,
      headers: { "x-api-key": config.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(config.requestTimeoutMs),
    });
  } catch (err) {
    throw new Error(`cannot reach the Wrenn API at ${config.apiUrl} (${(err as Error).message}); is \`wrenn up\` running?`);
  }
  const text = await res.text();
  if (!res.ok) {
    let code = "error";
    let message = text || res.statusText;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      // not JSON: keep the raw text
    }
    throw new ApiError(res.status, code, message);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
