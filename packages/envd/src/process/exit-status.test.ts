import { describe, expect, it } from "vitest";
import { exitInfo, signalNumber } from "./exit-status.js";

describe("exitInfo", () => {
  it("formats exits like Go's ProcessState", () => {
    expect(exitInfo(0, null)).toEqual({ exitCode: 0, exited: true, status: "exit status 0" });
    expect(exitInfo(3, null)).toEqual({ exitCode: 3, exited: true, status: "exit status 3", error: "exit status 3" });
    expect(exitInfo(255, null).status).toBe("exit status 255");
  });

  it("formats signals from child_process names and node-pty numbers alike", () => {
    expect(exitInfo(null, "SIGKILL")).toEqual({ exitCode: -1, exited: false, status: "signal: killed", error: "signal: killed" });
    expect(exitInfo(null, "SIGTERM").status).toBe("signal: terminated");
    expect(exitInfo(null, "SIGSEGV").status).toBe("signal: segmentation fault");
    expect(exitInfo(0, 9).status).toBe("signal: killed");
    expect(exitInfo(0, 1).status).toBe("signal: hangup");
    expect(exitInfo(0, 40).status).toBe("signal: signal 40");
  });

  it("treats signal 0 (node-pty's 'none') as a normal exit", () => {
    expect(exitInfo(2, 0)).toMatchObject({ exitCode: 2, exited: true, status: "exit status 2" });
  });

  it("maps signal names to numbers", () => {
    expect(signalNumber("SIGTERM")).toBe(15);
    expect(signalNumber(9)).toBe(9);
  });
});
