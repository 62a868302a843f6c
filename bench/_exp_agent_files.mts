import { startEnvd } from "@wrenn/testkit";
import { EnvdConnection } from "../packages/host-agent/src/envd/connection.js";
import { downloadFile, uploadFile } from "../packages/host-agent/src/envd/files.js";
import { writeFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import http from "node:http";

const envd = await startEnvd();
try {
  const path = "/tmp/exp/big.bin";
  const block = randomBytes(1 << 20);
  const bufs = Array.from({ length: 200 }, () => block);
  writeFileSync(path, Buffer.concat(bufs));
  const conn = new EnvdConnection(envd.url, "");
  for (let r = 0; r < 2; r++) {
    let t = performance.now();
    const res = await downloadFile(conn, path, undefined);
    let n = 0;
    for await (const c of res.body) n += (c as Buffer).length;
    console.log("h2 download", n, Math.round(200 / ((performance.now() - t) / 1000)), "MiB/s");
    t = performance.now();
    n = 0;
    await new Promise<void>((resolve) => http.get(`${envd.url}/files?path=${path}`, (res) => { res.on("data", (c) => (n += c.length)); res.on("end", resolve); }));
    console.log("h1 download", n, Math.round(200 / ((performance.now() - t) / 1000)), "MiB/s");
    t = performance.now();
    async function* gen() { for (const b of bufs) yield b; }
    await uploadFile(conn, "/tmp/exp/up.bin", undefined, gen());
    console.log("h2 upload", Math.round(200 / ((performance.now() - t) / 1000)), "MiB/s");
  }
  conn.close();
} finally {
  await envd.stop();
  rmSync("/tmp/exp/big.bin", { force: true }); rmSync("/tmp/exp/up.bin", { force: true });
}
