import { envdClients, startEnvd } from "@wrenn/testkit";
import http from "node:http";
import { timeIt } from "./lib/stats.js";
const envd = await startEnvd();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = Buffer.from([0, 0, 0, 0, 4, 10, 2, 8, 1]); // ConnectRequest{process{pid:1}}
const raw = (path: string, b: Buffer, chunked: boolean) => () => new Promise<void>((resolve, reject) => {
  const req = http.request(envd.url + path, { method: "POST", agent, headers: { "content-type": "application/connect+proto", "connect-protocol-version": "1", ...(chunked ? {} : { "content-length": b.length }) } }, (res) => { res.resume(); res.on("end", () => resolve()); });
  req.on("error", reject);
  if (chunked) { req.flushHeaders(); req.write(b); req.end(); } else req.end(b);
});
const startBody = Buffer.concat([Buffer.from([0, 0, 0, 0, 17]), Buffer.from([10, 15, 10, 13, ...Buffer.from("/usr/bin/true")])]);
{ const s = await timeIt(300, raw("/process.Process/Connect", body, false)); console.log("raw-connect-notfound-single", s.p50, s.p95); }
{ const s = await timeIt(300, raw("/process.Process/Connect", body, true)); console.log("raw-connect-notfound-chunked", s.p50, s.p95); }
{ const s = await timeIt(300, raw("/process.Process/Start", startBody, false)); console.log("raw-start-true-single", s.p50, s.p95); }
{ const s = await timeIt(300, raw("/process.Process/Start", startBody, true)); console.log("raw-start-true-chunked", s.p50, s.p95); }
const { process: client } = envdClients(envd.url);
{ const s = await timeIt(300, async () => { for await (const _ of client.start({ process: { cmd: "/usr/bin/true" } })) {} }); console.log("client-start-true", s.p50, s.p95); }
await envd.stop();
