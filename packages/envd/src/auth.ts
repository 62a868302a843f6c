import { timingSafeEqual, createHash } from "node:crypto";
import { WrennError } from "@wrenn/core";
import type { EnvdState } from "./state.js";
import type { UserDirectory, UserInfo } from "./users.js";

export const ACCESS_TOKEN_HEADER = "x-access-token";

type HeaderGetter = (name: string) => string | null | undefined;

/** Constant-time token check; hashing first makes the lengths equal. */
function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Throws `unauthorized` unless the request carries the token set by `/init` (if any). */
export function checkAccessToken(state: EnvdState, header: HeaderGetter): void {
  const expected = state.accessToken;
  if (expected === undefined) return;
  const given = header(ACCESS_TOKEN_HEADER);
  if (!given) throw new WrennError("unauthorized", "missing access token: send it in the X-Access-Token header");
  if (!tokensEqual(given, expected)) throw new WrennError("unauthorized", "invalid access token");
}

/**
 * The user a request acts as: `Authorization: Basic base64("<user>:")` (as E2B clients
 * send it), else the `username` query parameter for plain HTTP, else the default user.
 */
export function requestUser(
  state: EnvdState,
  users: UserDirectory,
  header: HeaderGetter,
  queryUser?: string | null,
): UserInfo {
  const auth = header("authorization");
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const name = decoded.split(":")[0];
    if (name) return users.lookup(name);
  }
  if (queryUser) return users.lookup(queryUser);
  return users.lookup(state.defaultUser);
}
