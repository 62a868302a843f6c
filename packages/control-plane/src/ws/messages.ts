import { z } from "zod";

/** Pieces of the client message schemas shared by the WebSocket routes. */

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const base64 = z.string().regex(base64Pattern, "must be base64 (standard alphabet, padded)");

export const command = z.string().min(1).max(4096);
const argList = z.array(z.string().max(128 * 1024)).max(4096);
export const args = argList.default([]);
/** Omitted (undefined), unlike `args`: exec reads a lone `cmd` with spaces as a shell command line. */
export const optionalArgs = argList.optional();
export const envs = z.record(z.string().min(1).max(256), z.string().max(128 * 1024)).default({});
export const cwd = z.string().max(4096).default("");
export const user = z.string().max(64).default("");
export const tag = z.string().min(1).max(256);
export const terminalCols = z.number().int().min(1).max(1000);
export const terminalRows = z.number().int().min(1).max(1000);

/** How long a socket may stay silent before its first (non-auth) message. */
export const FIRST_MESSAGE_TIMEOUT_MS = 30_000;

/** Deadline for one input, resize or signal call to the agent. */
export const INPUT_CALL_TIMEOUT_MS = 30_000;
