import { randomBytes } from "node:crypto";

/** Wire id prefixes; every id is a prefix plus 25 lower-case base36 characters. */
export const idPrefixes = {
  capsule: "cl-",
  user: "usr-",
  team: "team-",
  apiKey: "key-",
  host: "host-",
  build: "bld-",
  channel: "ch-",
  audit: "log-",
  template: "tpl-",
} as const;

export type IdKind = keyof typeof idPrefixes;

const ID_BODY_LENGTH = 25;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** 25 uniformly random base36 characters (~129 bits), rejection-sampled to avoid bias. */
function randomBody(): string {
  let out = "";
  while (out.length < ID_BODY_LENGTH) {
    for (const byte of randomBytes(32)) {
      // 252 = 7 * 36: bytes at or above it would bias the first characters.
      if (byte < 252) out += ALPHABET[byte % 36];
      if (out.length === ID_BODY_LENGTH) break;
    }
  }
  return out;
}

export function newId(kind: IdKind): string {
  return idPrefixes[kind] + randomBody();
}

const bodyPattern = new RegExp(`^[0-9a-z]{${ID_BODY_LENGTH}}$`);

export function isId(kind: IdKind, value: string): boolean {
  const prefix = idPrefixes[kind];
  return value.startsWith(prefix) && bodyPattern.test(value.slice(prefix.length));
}

/** Template names: `^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`. */
export const templateNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

export function isTemplateName(value: string): boolean {
  return templateNamePattern.test(value);
}
