import { readFileSync, writeFileSync } from "node:fs";

const FORWARDING = "/proc/sys/net/ipv4/ip_forward";

/**
 * Host settings the test agents change, put back as they were before the run. Each test
 * file restores what it read at its own start, but with files running side by side that
 * can be another file's agent's value; only the run as a whole knows the original.
 */
export default function setup(): () => void {
  const forwarding = readFileSync(FORWARDING, "utf8");
  return () => writeFileSync(FORWARDING, forwarding);
}
