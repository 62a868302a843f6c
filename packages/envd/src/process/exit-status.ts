import { constants } from "node:os";

/** How a process ended, in the shape of the wire's EndEvent. */
export interface ExitInfo {
  /** The exit code; -1 when a signal ended the process (as Go's `ProcessState.ExitCode`). */
  exitCode: number;
  /** True when the process called exit; false when a signal ended it. */
  exited: boolean;
  /** Go's `ProcessState.String()`: "exit status 3", "signal: killed". */
  status: string;
  /** Set whenever the process did not exit 0 or envd lost track of it (as Go's `cmd.Wait` error). */
  error?: string;
}

// Go's names for Linux signals; E2B clients match on these strings.
const signalNames: Record<number, string> = {
  1: "hangup",
  2: "interrupt",
  3: "quit",
  4: "illegal instruction",
  5: "trace/breakpoint trap",
  6: "aborted",
  7: "bus error",
  8: "floating point exception",
  9: "killed",
  10: "user defined signal 1",
  11: "segmentation fault",
  12: "user defined signal 2",
  13: "broken pipe",
  14: "alarm clock",
  15: "terminated",
  16: "stack fault",
  17: "child exited",
  18: "continued",
  19: "stopped (signal)",
  20: "stopped",
  21: "stopped (tty input)",
  22: "stopped (tty output)",
  23: "urgent I/O condition",
  24: "CPU time limit exceeded",
  25: "file size limit exceeded",
  26: "virtual timer expired",
  27: "profiling timer expired",
  28: "window changed",
  29: "I/O possible",
  30: "power failure",
  31: "bad system call",
};

/** A signal as a number; accepts Node's names ("SIGKILL") and numbers alike. */
export function signalNumber(signal: NodeJS.Signals | number): number {
  return typeof signal === "number" ? signal : (constants.signals[signal] ?? 0);
}

/**
 * The end of a process from what Node reports: `code` when it exited, `signal` (a name
 * from child_process or a number from node-pty; 0 means none) when a signal killed it.
 */
export function exitInfo(code: number | null, signal: NodeJS.Signals | number | null): ExitInfo {
  const signo = signal === null ? 0 : signalNumber(signal);
  if (signo > 0) {
    const status = `signal: ${signalNames[signo] ?? `signal ${signo}`}`;
    return { exitCode: -1, exited: false, status, error: status };
  }
  const exitCode = code ?? -1;
  const status = `exit status ${exitCode}`;
  return exitCode === 0 ? { exitCode, exited: true, status } : { exitCode, exited: true, status, error: status };
}

/** An end for a process envd lost (e.g. its output pipes failed); says what went wrong. */
export function lostExit(message: string): ExitInfo {
  return { exitCode: -1, exited: false, status: "unknown", error: message };
}
