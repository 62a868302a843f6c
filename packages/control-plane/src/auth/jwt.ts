import { SignJWT, jwtVerify, errors } from "jose";
import { WrennError } from "@wrenn/core";

export const JWT_TTL_SEC = 6 * 3600;

export interface UserTokenClaims {
  userId: string;
  teamId: string;
}

export interface VerifiedUserToken extends UserTokenClaims {
  /** `iat`, in seconds since the epoch. */
  issuedAt: number;
}

export async function signUserToken(secret: Uint8Array, claims: UserTokenClaims, ttlSec = JWT_TTL_SEC): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ team: claims.teamId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .setIssuer("wrenn")
    .sign(secret);
  return { token, expiresAt: new Date((now + ttlSec) * 1000) };
}

/** Checks signature, algorithm and expiry; role and membership are checked against the database by the caller. */
export async function verifyUserToken(secret: Uint8Array, token: string): Promise<VerifiedUserToken> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], issuer: "wrenn" });
    if (typeof payload.sub !== "string" || typeof payload.team !== "string") throw new WrennError("unauthorized", "the token is missing its user or team");
    return { userId: payload.sub, teamId: payload.team, issuedAt: payload.iat ?? 0 };
  } catch (err) {
    if (err instanceof WrennError) throw err;
    if (err instanceof errors.JWTExpired) throw new WrennError("unauthorized", "the session has expired; log in again", { cause: err });
    throw new WrennError("unauthorized", "the bearer token is invalid; log in again or use an API key", { cause: err });
  }
}
