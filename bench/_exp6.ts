import { fork } from "node:child_process";
import { createServer } from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Process } from "@wrenn/proto/envd/process";
import { envdClients } from "@wrenn/testkit";
import { timeIt } from "./lib/stats.js";
if (process.argv[2] === "server") {
  const handler = connectNodeAdapter({ routes: (r) => r.service(Process, {
    async *start() { yield { event: { event: { case: "start", value: { pid: 1 } } } }; yield { event: { event: { case: "end", value: { exitCode: 0, exited: true, status: "exit status 0" } } } }; },
    async list() { return {}; },
  }) });
  const srv = createServer({ noDelay: true } as never, handler).listen(0, () => process.send!((srv.address() as any).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ["server"], { execArgv: process.execArgv });
  const port = await new Promise<number>((r) => child.once("message", (m) => r(m as number)));
  const { process: client } = envdClients(`http://127.0.0.1:${port}`);
  for (let k = 0; k < 2; k++) {
    const l = await timeIt(500, () => client.list({}));
    const s = await timeIt(500, async () => { for await (const _ of client.start({ process: { cmd: "true" } })) {} });
    console.log("list", l.p50, "stream", s.p50, s.p95);
  }
  child.kill();
}
