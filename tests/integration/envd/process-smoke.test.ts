import { it, expect } from "vitest";
import { startEnvd, envdClients } from "@wrenn/testkit";

it("smoke", async () => {
  const envd = await startEnvd();
  try {
    const { process: p } = envdClients(envd.url);
    const events = [];
    for await (const r of p.start({ process: { cmd: "/bin/sh", args: ["-c", "echo hi; echo err >&2; exit 3"] } })) {
      events.push(r.event?.event);
    }
    console.log(JSON.stringify(events, (k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString() : v)));
    await p.start({ process: { cmd: "nope" } })[Symbol.asyncIterator]().next().catch((e) => console.log(String(e)));
  } finally {
    console.log(envd.logs.join("\n"));
    await envd.stop();
  }
});
