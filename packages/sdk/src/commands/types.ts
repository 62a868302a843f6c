/** What a finished command printed and how it ended. */
export interface CommandResult {
  /** Everything written to stdout (UTF-8; invalid sequences replaced). */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
  /** The exit code; -1 when it was killed at its timeout or ended without one. */
  exitCode: number;
  /** envd's description of an abnormal end (e.g. `signal: killed`), when there is one. */
  error?: string;
}

/** Options shared by every way of starting a command. */
export interface CommandStartOptions {
  /** Environment variables for this command only. */
  envs?: Record<string, string>;
  /** Working directory (default: the user's home). */
  cwd?: string;
  /** User to run as (default: the template's user, `user` in `minimal`). */
  user?: string;
  /** Called with each piece of stdout as it arrives. */
  onStdout?: (data: string) => void;
  /** Called with each piece of stderr as it arrives. */
  onStderr?: (data: string) => void;
}

export interface CommandRunOptions extends CommandStartOptions {
  /**
   * Deadline in milliseconds: the command is killed and the call throws `TimeoutError`
   * when it passes. Default 60 000 for foreground commands, none for background ones;
   * 0 = no deadline.
   */
  timeoutMs?: number;
  /** Return a {@link CommandHandle} as soon as the command starts instead of waiting for it. */
  background?: boolean;
  /** Written to the command's stdin when it starts; stdin is then closed. */
  stdin?: string | Uint8Array;
  /** Background only: a name to find the process by later (`commands.connect(tag)`). */
  tag?: string;
}

/** A process started through the API and still running. */
export interface ProcessInfo {
  pid: number;
  tag: string | undefined;
  cmd: string;
  args: string[];
  cwd: string;
  /** True for PTY sessions (see `capsule.pty`). */
  pty: boolean;
}

/** The signals `kill` can send. */
export type KillSignal = "SIGTERM" | "SIGKILL";
