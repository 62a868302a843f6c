// envd file transfer numbers: upload (multipart POST /files) and download (GET /files) of a
// large file over loopback, each next to a floor measured in the same run on the same file:
// a plain fs stream copy for upload, a plain fs stream read for download.
// Run: node --conditions=wrenn-source --import tsx bench/envd-files.ts
// Env: BENCH_BYTES (default 1 GiB), BENCH_RUNS (default 3), BENCH_GZIP=0 to skip gzip.
import { randomFillSync } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { startEnvd } from "@wrenn/testkit";
import { report } from "./lib/stats.js";

const SIZE = Number(process.env.BENCH_BYTES ?? 1 << 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GZIP = process.env.BENCH_GZIP !== "0";
const CHUNK = 4 << 20;

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

/** Seconds taken by `fn`. */
async function time(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function upload(url: string, source: string, size: number): Promise<void> {
  const boundary = "----wrenn-bench-boundary";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": head.length + size + tail.length },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`))));
    });
    req.write(head);
    const file = createReadStream(source, { highWaterMark: CHUNK });
    file.on("error", reject);
    file.pipe(req, { end: false });
    file.on("end", () => req.end(tail));
  });
}

function download(url: string, encoding: string): Promise<number> {
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

async function drain(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: CHUNK }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const mbps = (bytes: number, seconds: number): number => Math.round(bytes / 1e6 / seconds);

const dir = await mkdtemp(join(tmpdir(), "wrenn-bench-files-"));
const envd = await startEnvd();
try {
  const source = join(dir, "source.bin");
  const target = join(dir, "target.bin");
  await writeRandomFile(source, SIZE);
  await drain(source); // warm the page cache so every run reads from memory
  const filesUrl = (path: string): string => `${envd.url}/files?path=${encodeURIComponent(path)}`;

  const results: Record<string, number[]> = { upload_floor: [], upload: [], download_floor: [], download: [] };
  for (let run = 0; run < RUNS; run++) {
    await rm(target, { force: true });
    results.upload_floor!.push(
      await time(() => pipeline(createReadStream(source, { highWaterMark: CHUNK }), createWriteStream(target))),
    );
    await rm(target, { force: true });
    results.upload!.push(await time(() => upload(filesUrl(target), source, SIZE)));
    results.download_floor!.push(await time(() => drain(target)));
    results.download!.push(
      await time(async () => {
        const bytes = await download(filesUrl(target), "identity");
        if (bytes !== SIZE) throw new Error(`downloaded ${bytes} of ${SIZE} bytes`);
      }),
    );
  }

  const summary = (name: string, floor: string, what: string): void => {
    const seconds = median(results[name]!);
    const floorSeconds = median(results[floor]!);
    report({
      bench: `envd.files.${name}`,
      what,
      bytes: SIZE,
      runs: RUNS,
      seconds_median: Math.round(seconds * 1000) / 1000,
      mb_per_s: mbps(SIZE, seconds),
      mb_per_s_runs: results[name]!.map((s) => mbps(SIZE, s)),
      floor_mb_per_s: mbps(SIZE, floorSeconds),
      of_floor: Math.round((floorSeconds / seconds) * 100) / 100,
    });
  };
  report({
    bench: "fs.stream_copy.floor",
    bytes: SIZE,
    mb_per_s: mbps(SIZE, median(results.upload_floor!)),
    mb_per_s_runs: results.upload_floor!.map((s) => mbps(SIZE, s)),
  });
  report({
    bench: "fs.stream_read.floor",
    bytes: SIZE,
    mb_per_s: mbps(SIZE, median(results.download_floor!)),
    mb_per_s_runs: results.download_floor!.map((s) => mbps(SIZE, s)),
  });
  summary("upload", "upload_floor", "multipart POST /files over loopback HTTP/1.1, floor = fs stream copy");
  summary("download", "download_floor", "GET /files over loopback HTTP/1.1, floor = fs stream read");

  if (GZIP) {
    let bytes = 0;
    const seconds = await time(async () => {
      bytes = await download(filesUrl(target), "gzip");
    });
    report({
      bench: "envd.files.download_gzip",
      what: "GET /files with Accept-Encoding: gzip (level 1) of incompressible data",
      bytes: SIZE,
      wire_bytes: bytes,
      mb_per_s: mbps(SIZE, seconds),
    });
  }
  report({
    bench: "envd.files.memory",
    envd_peak_rss_mb: procStatusMb(envd.child.pid!, "VmHWM"),
    envd_rss_mb_after: procStatusMb(envd.child.pid!, "VmRSS"),
  });
} finally {
  await envd.stop();
  await rm(dir, { recursive: true, force: true });
}
