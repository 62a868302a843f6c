import type { Logger } from "../capsules/internals.js";

/** The agent's log format: one JSON object per line on stderr (supervisors and tests read it). */
export function stderrJsonLogger(): Logger {
  const write = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  return { info: write("info"), warn: write("warn"), error: write("error") };
}
