/**
 * Wrenn SDK: create capsules (secure sandboxes) and run code, files, terminals and git in
 * them over Wrenn's REST + WebSocket API.
 *
 * @example
 * ```ts
 * import { Capsule } from "wrenn";
 *
 * await using capsule = await Capsule.create();
 * console.log((await capsule.commands.run("uname -a")).stdout);
 * ```
 */
import "./dispose.js";

export { Capsule } from "./capsule/capsule.js";
export type {
  CapsuleCreateOptions,
  CapsuleInfo,
  CapsuleListOptions,
  CapsuleMetric,
  CapsuleStatus,
  MetricsRange,
  NetworkOptions,
  TemplateInfo,
} from "./capsule/types.js";
export { Commands, DEFAULT_COMMAND_TIMEOUT_MS } from "./commands/commands.js";
export { CommandHandle } from "./commands/command-handle.js";
export type { CommandResult, CommandRunOptions, CommandStartOptions, KillSignal, ProcessInfo } from "./commands/types.js";
export { Files, MAX_BUFFERED_UPLOAD_BYTES, type ReadFormat } from "./files/files.js";
export type { WriteData } from "./files/source.js";
export type { EntryInfo, FileOptions, FilesystemEvent, WriteEntry, WriteInfo } from "./files/types.js";
export { WatchHandle, type WatchOptions } from "./files/watch-handle.js";
export { Pty, type PtyConnectOptions, type PtyCreateOptions } from "./pty/pty.js";
export { PtyHandle, type PtyExit, type PtySize } from "./pty/pty-handle.js";
export { Git, type GitBranches, type GitRunOptions } from "./git/git.js";
export type { CloneOptions } from "./git/command-lines.js";
export type { GitCredentials } from "./git/credentials.js";
export type { GitFileStatus, GitStatus } from "./git/status.js";
export { resolveConfig, DEFAULT_API_URL, type ConnectionOptions, type ResolvedConfig } from "./config.js";
export {
  AuthenticationError,
  CapsuleUnavailableError,
  CommandExitError,
  ConfigError,
  ConflictError,
  ConnectionError,
  InvalidArgumentError,
  InvalidStateError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TooLargeError,
  WrennError,
} from "./errors.js";
export { SDK_VERSION } from "./version.js";
