import { SignJWT, errors, jwtVerify } from "jose";
import { WrennError } from "@wrenn/core";

/** Host JWTs are for agents only: a distinct audience keeps them from ever passing as user sessions. */
const AUDIENCE = "wrenn-host";

export async function signHostToken(secret: Uint8Array, hostId: string, ttlSec: number): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(hostId)
    .setAudience(AUDIENCE)
    .setIssuer("wrenn")
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .sign(secret);
  return { token, expiresAt: new Date((now + ttlSec) * 1000) };
}

/** The host id a host JWT was issued to; `unauthorized` when it is forged, expired or not a host token. */
export async function verifyHostToken(secret: Uint8Array, token: string): Promise<string> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], issuer: "wrenn", audience: AUDIENCE });
    if (typeof payload.sub !== "string") throw new WrennError("unauthorized", "the host token names no host");
    return payload.sub;
  } catch (err) {
    if (err instanceof WrennError) throw err;
    if (err instanceof errors.JWTExpired) throw new WrennError("unauthorized", "the host token has expired; refresh it with the refresh token", { cause: err });
    throw new WrennError("unauthorized", "the host token is invalid", { cause: err });
  }
}
