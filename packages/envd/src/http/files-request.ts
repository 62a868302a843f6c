import { requestUser } from "../auth.js";
import type { EnvdContext, EnvdRequest } from "../context.js";
import type { UserInfo } from "../users.js";

/** One request header as a string (the first value of a repeated one). */
export function header(req: EnvdRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The user a `/files` request acts as: Basic auth, else `?username=`, else the default user. */
export function filesUser(req: EnvdRequest, ctx: EnvdContext, url: URL): UserInfo {
  return requestUser(ctx.state, ctx.users, (name) => header(req, name), url.searchParams.get("username"));
}
