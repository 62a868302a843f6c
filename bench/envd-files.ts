// envd file transfer numbers: upload (multipart POST /files) and download (GET /files) of a
// large file over loopback, next to floors measured in the same run on the same file:
//   - fs floor: a plain fs stream copy (upload) / fs stream read (download), no network;
//   - http floor: a bare Node HTTP server in its own process receiving the raw body into a
//     file / streaming the file back, i.e. the same transfer without envd.
// Files live on tmpfs (/dev/shm) by default so that disk write-back, which is not envd's,
// does not swamp the numbers; BENCH_DIR=/var/tmp measures against the disk instead.
// Run: node --conditions=wrenn-source --import tsx bench/envd-files.ts
// Env: BENCH_BYTES (default 1 GiB), BENCH_RUNS (default 3), BENCH_DIR, BENCH_GZIP_BYTES
//      (size of the text file for the gzip download, default 64 MiB; 0 skips it).
import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { startEnvd } from "@wrenn/testkit";
import { report } from "./lib/stats.js";

const SIZE = Number(process.env.BENCH_BYTES ?? 1 << 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GZIP_BYTES = Number(process.env.BENCH_GZIP_BYTES ?? 64 << 20);
const BASE_DIR = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
const CHUNK = 4 << 20;

/** The http floor: GET streams ?path, POST writes the raw body to ?path. */
const BARE_SERVER = `
const http = require("node:http"), fs = require("node:fs"), { pipeline } = require("node:stream/promises");
const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").searchParams.get("path");
  try {
    if (req.method === "POST") { await pipeline(req, fs.createWriteStream(path)); res.end("ok"); return; }
    res.writeHead(200, { "content-length": fs.statSync(path).size });
    await pipeline(fs.createReadStream(path, { highWaterMark: 1 << 20 }), res);
  } catch { res.destroy(); }
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, "w");
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (let written = 0; written < size; written += CHUNK) {
      await file.write(randomFillSync(chunk), 0, Math.min(CHUNK, size - written));
    }
  } finally {
    await file.close();
  }
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** POSTs the file, raw or wrapped as one multipart part. */
function upload(url: string, source: string, size: number, multipart: boolean): Promise<void> {
  const boundary = "----wrenn-bench-boundary";
  const head = multipart
    ? Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\n\r\n`)
    : Buffer.alloc(0);
  const tail = multipart ? Buffer.from(`\r\n--${boundary}--\r\n`) : Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": multipart ? `multipart/form-data; boundary=${boundary}` : "application/octet-stream",
        "content-length": head.length + size + tail.length,
      },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`))));
    });
    if (head.length) req.write(head);
    const file = createReadStream(source, { highWaterMark: CHUNK });
    file.on("error", reject);
    file.pipe(req, { end: false });
    file.on("end", () => req.end(tail));
  });
}

/** GETs and discards; returns the bytes received. */
function download(url: string, encoding = "identity"): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { "accept-encoding": encoding } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

async function expectBytes(got: Promise<number>, want: number): Promise<void> {
  const bytes = await got;
  if (bytes !== want) throw new Error(`downloaded ${bytes} of ${want} bytes`);
}

async function drain(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: CHUNK }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const mbps = (bytes: number, s: number): number => Math.round(bytes / 1e6 / s);

const dir = await mkdtemp(join(BASE_DIR, "wrenn-bench-files-"));
const bare = spawn(process.execPath, ["-e", BARE_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
const envd = await startEnvd();
try {
  const [barePort] = (await once(createInterface({ input: bare.stdout! }), "line")) as [string];
  const source = join(dir, "source.bin");
  const target = join(dir, "target.bin");
  await writeRandomFile(source, SIZE);
  await drain(source);
  const envdUrl = (path: string): string => `${envd.url}/files?path=${encodeURIComponent(path)}`;
  const bareUrl = (path: string): string => `http://127.0.0.1:${barePort}/?path=${encodeURIComponent(path)}`;

  const cases: Record<string, () => Promise<unknown>> = {
    "upload.fs_floor": () => pipeline(createReadStream(source, { highWaterMark: CHUNK }), createWriteStream(target)),
    "upload.http_floor": () => upload(bareUrl(target), source, SIZE, false),
    "upload.envd": () => upload(envdUrl(target), source, SIZE, true),
    "download.fs_floor": () => drain(target),
    "download.http_floor": () => expectBytes(download(bareUrl(target)), SIZE),
    "download.envd": () => expectBytes(download(envdUrl(target)), SIZE),
  };
  const runs: Record<string, number[]> = {};
  for (let run = 0; run < RUNS; run++) {
    // Interleaved so load from anything else on the machine hits every case alike.
    for (const [name, fn] of Object.entries(cases)) {
      if (name.startsWith("upload")) await rm(target, { force: true });
      (runs[name] ??= []).push(await seconds(fn));
    }
  }

  const fsType = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([, mount]) => mount && dir.startsWith(mount))
    .sort((a, b) => b[1]!.length - a[1]!.length)[0]?.[2];
  for (const direction of ["upload", "download"]) {
    const rate = (name: string): number => mbps(SIZE, median(runs[`${direction}.${name}`]!));
    const envdRate = rate("envd");
    report({
      bench: `envd.files.${direction}`,
      what:
        direction === "upload"
          ? "multipart POST /files, loopback HTTP/1.1, streamed to a file"
          : "GET /files, loopback HTTP/1.1, identity encoding",
      bytes: SIZE,
      runs: RUNS,
      dir_fs: fsType,
      mb_per_s: envdRate,
      mb_per_s_runs: runs[`${direction}.envd`]!.map((s) => mbps(SIZE, s)),
      http_floor_mb_per_s: rate("http_floor"),
      fs_floor_mb_per_s: rate("fs_floor"),
      of_http_floor: Math.round((envdRate / rate("http_floor")) * 100) / 100,
    });
  }

  // fetch and browsers always accept gzip: binary data must still go at identity speed.
  let binaryWire = 0;
  const binarySeconds = await seconds(async () => (binaryWire = await download(envdUrl(target), "gzip, deflate")));
  report({
    bench: "envd.files.download_gzip_accepted_binary",
    what: "GET /files of the random file with Accept-Encoding: gzip (sampled as incompressible, sent as is)",
    bytes: SIZE,
    wire_bytes: binaryWire,
    mb_per_s: mbps(SIZE, binarySeconds),
  });

  if (GZIP_BYTES > 0) {
    const text = join(dir, "log.txt");
    const line = (i: number): string => `{"ts":${1700000000000 + i},"level":"info","msg":"request served","status":200,"ms":${i % 97}}\n`;
    const out = createWriteStream(text);
    for (let i = 0, written = 0; written < GZIP_BYTES; i++) {
      const chunk = line(i);
      written += chunk.length;
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const size = (await stat(text)).size;
    let wire = 0;
    const s = await seconds(async () => (wire = await download(envdUrl(text), "gzip")));
    report({
      bench: "envd.files.download_gzip_text",
      what: "GET /files of JSON log lines with Accept-Encoding: gzip (level 1, streamed)",
      bytes: size,
      wire_bytes: wire,
      mb_per_s: mbps(size, s),
    });
  }
  report({
    bench: "envd.files.memory",
    envd_peak_rss_mb: procStatusMb(envd.child.pid!, "VmHWM"),
    envd_rss_mb_after: procStatusMb(envd.child.pid!, "VmRSS"),
  });
} finally {
  await envd.stop();
  bare.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
}
