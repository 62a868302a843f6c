import { spawn } from "node:child_process";
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateRole, issueCertificate, loadOrCreateCa, needsRenewal, type CertificateAuthority } from "./pki.js";

const pkiModule = fileURLToPath(new URL("./pki.ts", import.meta.url));
const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wrenn-pki-"));
  tempDirs.push(dir);
  return dir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function fingerprint(pem: string): string {
  return createHash("sha256").update(pem).digest("hex");
}

/** Runs a script in a separate Node process (with tsx, so it can import pki.ts); resolves with its stdout. */
function runNode(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, "--", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;

beforeAll(() => {
  ca = loadOrCreateCa(tempDir(), {});
  otherCa = loadOrCreateCa(tempDir(), {});
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("loadOrCreateCa", () => {
  it("creates a self-signed 10-year CA with CA-only key usage", () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.subject).toBe("CN=Wrenn CA");
    expect(cert.issuer).toBe("CN=Wrenn CA");
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.01);
    const parsed = forge.pki.certificateFromPem(ca.certPem);
    expect(parsed.getExtension("basicConstraints")).toMatchObject({ cA: true, critical: true });
    expect(parsed.getExtension("keyUsage")).toMatchObject({ keyCertSign: true, cRLSign: true, critical: true });
    expect(parsed.getExtension("keyUsage")).not.toMatchObject({ digitalSignature: true });
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it("writes ca.crt and ca.key with a 0600 key in a 0700 directory and loads the same CA again", () => {
    const dataDir = tempDir();
    const first = loadOrCreateCa(dataDir, {});
    expect(mode(join(dataDir, "ca"))).toBe(0o700);
    expect(mode(join(dataDir, "ca", "ca.key"))).toBe(0o600);
    expect(mode(join(dataDir, "ca", "ca.crt"))).toBe(0o644);
    expect(loadOrCreateCa(dataDir, {})).toEqual(first);
  });

  it("yields one CA when several processes start at once on a fresh data directory", async () => {
    const dataDir = tempDir();
    const startAt = Date.now() + 2_500;
    const script = `
      const { loadOrCreateCa } = await import(${JSON.stringify(pkiModule)});
      const [dataDir, startAt] = process.argv.slice(-2);
      while (Date.now() < Number(startAt)) {}
      const ca = loadOrCreateCa(dataDir, {});
      process.stdout.write(JSON.stringify(ca));
    `;
    const results = await Promise.all([1, 2, 3, 4].map(() => runNode(script, [dataDir, String(startAt)])));
    const cas = results.map((out) => JSON.parse(out) as CertificateAuthority);
    expect(new Set(cas.map((c) => fingerprint(c.certPem))).size).toBe(1);
    expect(new Set(cas.map((c) => fingerprint(c.keyPem))).size).toBe(1);
    expect(loadOrCreateCa(dataDir, {})).toEqual(cas[0]);
    expect(mode(join(dataDir, "ca", "ca.key"))).toBe(0o600);
    expect(readdirSync(join(dataDir, "ca")).sort()).toEqual(["ca.crt", "ca.key"]); // no temporary files left behind
  });

  it("waits for the winner's ca.crt when another process has linked only ca.key so far", async () => {
    const dataDir = tempDir();
    const caDir = join(dataDir, "ca");
    const script = `
      import { linkSync, mkdirSync, writeFileSync } from "node:fs";
      const [caDir, certPem, keyPem] = process.argv.slice(-3);
      mkdirSync(caDir, { recursive: true, mode: 0o700 });
      writeFileSync(caDir + "/.k", keyPem, { mode: 0o600 });
      writeFileSync(caDir + "/.c", certPem);
      linkSync(caDir + "/.k", caDir + "/ca.key");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      linkSync(caDir + "/.c", caDir + "/ca.crt");
    `;
    const child = runNode(script, [caDir, otherCa.certPem, otherCa.keyPem]);
    while (!existsSync(join(caDir, "ca.key"))) await sleep(10);
    expect(existsSync(join(caDir, "ca.crt"))).toBe(false);
    expect(loadOrCreateCa(dataDir, {})).toEqual(otherCa);
    await child;
  });

  it("explains a ca.key left without ca.crt", () => {
    const dataDir = tempDir();
    const caDir = join(dataDir, "ca");
    loadOrCreateCa(dataDir, {});
    rmSync(join(caDir, "ca.crt"));
    expect(() => loadOrCreateCa(dataDir, {})).toThrow(/ca\.key exists but .*ca\.crt did not appear.*delete .*ca\.key/);
  }, 20_000);

  it("refuses a ca.crt without its ca.key instead of replacing the CA", () => {
    const dataDir = tempDir();
    const caDir = join(dataDir, "ca");
    const original = loadOrCreateCa(dataDir, {});
    rmSync(join(caDir, "ca.key"));
    expect(() => loadOrCreateCa(dataDir, {})).toThrow(/ca\.crt exists but ca\.key next to it does not; restore the key/);
    expect(readdirSync(caDir)).toEqual(["ca.crt"]);
    expect(readFileSync(join(caDir, "ca.crt"), "utf8")).toBe(original.certPem);
  });

  it("loads the CA from WRENN_CA_CERT_FILE and WRENN_CA_KEY_FILE without touching the data directory", () => {
    const files = tempDir();
    writeFileSync(join(files, "my-ca.pem"), otherCa.certPem);
    writeFileSync(join(files, "my-ca-key.pem"), otherCa.keyPem, { mode: 0o600 });
    const dataDir = tempDir();
    const env = { WRENN_CA_CERT_FILE: join(files, "my-ca.pem"), WRENN_CA_KEY_FILE: join(files, "my-ca-key.pem") };
    expect(loadOrCreateCa(dataDir, env)).toEqual(otherCa);
    expect(existsSync(join(dataDir, "ca"))).toBe(false);
  });

  it("refuses a half-given env pair, naming both variables", () => {
    const dataDir = tempDir();
    expect(() => loadOrCreateCa(dataDir, { WRENN_CA_CERT_FILE: "/x/ca.crt" })).toThrow(
      /WRENN_CA_CERT_FILE is set but WRENN_CA_KEY_FILE is not: set both .* or neither/,
    );
    expect(() => loadOrCreateCa(dataDir, { WRENN_CA_KEY_FILE: "/x/ca.key", WRENN_CA_CERT_FILE: "" })).toThrow(
      /WRENN_CA_KEY_FILE is set but WRENN_CA_CERT_FILE is not/,
    );
    expect(existsSync(join(dataDir, "ca"))).toBe(false);
  });

  it("names the variable of an unreadable file, and refuses a key that is not the certificate's or a non-CA certificate", () => {
    const files = tempDir();
    const certFile = join(files, "ca.pem");
    const keyFile = join(files, "key.pem");
    writeFileSync(certFile, ca.certPem);
    expect(() => loadOrCreateCa(tempDir(), { WRENN_CA_CERT_FILE: certFile, WRENN_CA_KEY_FILE: join(files, "missing.pem") })).toThrow(
      /WRENN_CA_KEY_FILE points to .*missing\.pem, which cannot be read/,
    );
    writeFileSync(keyFile, otherCa.keyPem);
    expect(() => loadOrCreateCa(tempDir(), { WRENN_CA_CERT_FILE: certFile, WRENN_CA_KEY_FILE: keyFile })).toThrow(
      /the key does not belong to the certificate/,
    );
    const leaf = issueCertificate(ca, { commonName: "not-a-ca", role: "agent" });
    writeFileSync(certFile, leaf.certPem);
    writeFileSync(keyFile, leaf.keyPem);
    expect(() => loadOrCreateCa(tempDir(), { WRENN_CA_CERT_FILE: certFile, WRENN_CA_KEY_FILE: keyFile })).toThrow(/not a CA certificate/);
    writeFileSync(certFile, "garbage");
    expect(() => loadOrCreateCa(tempDir(), { WRENN_CA_CERT_FILE: certFile, WRENN_CA_KEY_FILE: keyFile })).toThrow(/not a PEM X\.509 certificate/);
  });
});

describe("issueCertificate", () => {
  it("issues an agent certificate with OU, both EKUs, IP and DNS SANs, signed by the CA", () => {
    const issued = issueCertificate(ca, { commonName: "host_01", role: "agent", hosts: ["10.0.0.7", "::1", "[fe80::2]", "agent-1.example.com", "10.0.0.7"] });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.subject).toBe("CN=host_01\nOU=wrenn-agent");
    expect(cert.issuer).toBe("CN=Wrenn CA");
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(cert.subjectAltName).toBe("IP Address:10.0.0.7, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:0:2, DNS:agent-1.example.com");
    expect(cert.checkIP("10.0.0.7")).toBe("10.0.0.7");
    expect(cert.checkHost("agent-1.example.com")).toBe("agent-1.example.com");
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
  });

  it("issues a control-plane certificate with OU wrenn-control-plane and clientAuth", () => {
    const cert = new X509Certificate(issueCertificate(ca, { commonName: "control-plane", role: "control-plane" }).certPem);
    expect(cert.subject).toBe("CN=control-plane\nOU=wrenn-control-plane");
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.2");
    expect(cert.subjectAltName).toBeUndefined();
  });

  it("uses a random positive 128-bit hex serial", () => {
    const serials = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const issued = issueCertificate(ca, { commonName: "s", role: "agent" });
      expect(issued.serial).toMatch(/^[0-9a-f]{32}$/);
      expect(issued.serial).not.toMatch(/^00/);
      expect(new X509Certificate(issued.certPem).serialNumber.toLowerCase()).toBe(issued.serial);
      serials.add(issued.serial);
    }
    expect(serials.size).toBe(4);
  });

  it("is valid 30 days by default from 5 minutes ago; validDays and validMs change the end", () => {
    const before = Date.now();
    const issued = issueCertificate(ca, { commonName: "v", role: "agent" });
    const cert = new X509Certificate(issued.certPem);
    expect(Date.parse(cert.validFrom)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 5 * 60_000 - 1000);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now() - 5 * 60_000);
    expect(issued.notAfter.getTime()).toBe(Date.parse(cert.validTo));
    expect(Math.abs(issued.notAfter.getTime() - (before + 30 * 86_400_000))).toBeLessThan(5_000);
    const week = issueCertificate(ca, { commonName: "v", role: "agent", validDays: 7 });
    expect(Math.abs(week.notAfter.getTime() - (before + 7 * 86_400_000))).toBeLessThan(5_000);
    const short = issueCertificate(ca, { commonName: "v", role: "agent", validDays: 7, validMs: 60_000 });
    expect(Math.abs(short.notAfter.getTime() - (before + 60_000))).toBeLessThan(5_000);
  });

  it("rejects an empty or over-long common name, a bad role, a non-positive validity and empty host names", () => {
    expect(() => issueCertificate(ca, { commonName: "", role: "agent" })).toThrow(/commonName must be 1 to 64 characters/);
    expect(() => issueCertificate(ca, { commonName: "x".repeat(65), role: "agent" })).toThrow(/commonName must be 1 to 64/);
    expect(() => issueCertificate(ca, { commonName: "x", role: "admin" as "agent" })).toThrow(/role must be "agent" or "control-plane"/);
    expect(() => issueCertificate(ca, { commonName: "x", role: "agent", validDays: 0 })).toThrow(/validity must be greater than 0/);
    expect(() => issueCertificate(ca, { commonName: "x", role: "agent", validMs: -1 })).toThrow(/validity must be greater than 0/);
    expect(() => issueCertificate(ca, { commonName: "x", role: "agent", hosts: [" "] })).toThrow(/hosts must not contain empty names/);
  });
});

describe("certificateRole", () => {
  it("reads the role from the OU of certificates issued by this CA", () => {
    expect(certificateRole(ca, issueCertificate(ca, { commonName: "a", role: "agent" }).certPem)).toBe("agent");
    expect(certificateRole(ca, issueCertificate(ca, { commonName: "c", role: "control-plane" }).certPem)).toBe("control-plane");
  });

  it("is null for another CA's certificate, the CA itself, garbage, and outside the validity window", () => {
    const issued = issueCertificate(ca, { commonName: "a", role: "agent" });
    expect(certificateRole(ca, issueCertificate(otherCa, { commonName: "a", role: "agent" }).certPem)).toBeNull();
    expect(certificateRole(otherCa, issued.certPem)).toBeNull();
    expect(certificateRole(ca, ca.certPem)).toBeNull();
    expect(certificateRole(ca, "not a certificate")).toBeNull();
    expect(certificateRole(ca, issued.certPem, new Date(issued.notAfter.getTime() + 1000))).toBeNull();
    expect(certificateRole(ca, issued.certPem, new Date(Date.now() - 10 * 60_000))).toBeNull();
    expect(certificateRole(ca, issued.certPem, new Date(issued.notAfter.getTime() - 1000))).toBe("agent");
  });

  it("is null for a certificate whose signature does not verify under the CA", () => {
    // Same issuer name ("Wrenn CA") but another key: only the signature tells them apart.
    const forged = issueCertificate({ certPem: ca.certPem, keyPem: otherCa.keyPem }, { commonName: "a", role: "control-plane" });
    expect(certificateRole(ca, forged.certPem)).toBeNull();
  });
});

describe("needsRenewal", () => {
  it("turns true in the last third of the lifetime by default, or the given fraction", () => {
    const issued = issueCertificate(ca, { commonName: "r", role: "agent", validDays: 30 });
    const cert = new X509Certificate(issued.certPem);
    const start = Date.parse(cert.validFrom);
    const end = Date.parse(cert.validTo);
    const atFraction = (f: number) => new Date(end - (end - start) * f);
    expect(needsRenewal(issued.certPem)).toBe(false);
    expect(needsRenewal(issued.certPem, new Date(atFraction(1 / 3).getTime() - 1000))).toBe(false);
    expect(needsRenewal(issued.certPem, atFraction(1 / 3))).toBe(true);
    expect(needsRenewal(issued.certPem, new Date(end + 1000))).toBe(true);
    expect(needsRenewal(issued.certPem, atFraction(0.6), 0.5)).toBe(false);
    expect(needsRenewal(issued.certPem, atFraction(0.4), 0.5)).toBe(true);
    expect(() => needsRenewal(issued.certPem, new Date(), 2)).toThrow(/fraction must be between 0 and 1/);
  });
});

describe("mutual TLS with issued certificates", () => {
  // `strict` rejects unauthorised clients as production will; `inspect` has the same
  // certificates but lets every client in and reports what TLS thought of its certificate,
  // so the tests can show why `strict` refused it (Node drops such a socket without a reason).
  let strict: Server;
  let inspect: Server;
  let handled = 0;

  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  let strictPort: number;
  let inspectPort: number;

  beforeAll(async () => {
    const serverCert = issueCertificate(ca, { commonName: "host_tls", role: "agent", hosts: ["127.0.0.1", "agent.internal"] });
    const tlsOptions = { key: serverCert.keyPem, cert: serverCert.certPem, ca: [ca.certPem], requestCert: true };
    strict = createServer({ ...tlsOptions, rejectUnauthorized: true }, (req, res) => {
      handled += 1;
      const der = (req.socket as TLSSocket).getPeerCertificate().raw;
      const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
      res.end(JSON.stringify({ role: certificateRole(ca, pem) }));
    });
    inspect = createServer({ ...tlsOptions, rejectUnauthorized: false }, (req, res) => {
      const socket = req.socket as TLSSocket;
      res.end(JSON.stringify({ authorized: socket.authorized, error: socket.authorizationError ?? null }));
    });
    strictPort = await listen(strict);
    inspectPort = await listen(inspect);
  });

  afterAll(async () => {
    await Promise.all([strict, inspect].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  function get(port: number, options: { key?: string; cert?: string; ca?: string[]; host?: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: options.host ?? "127.0.0.1", port, path: "/", agent: false, ca: options.ca ?? [ca.certPem], key: options.key, cert: options.cert },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve(body));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  async function expectRefused(options: { key?: string; cert?: string }, reason: string): Promise<void> {
    const before = handled;
    await expect(get(strictPort, options)).rejects.toThrow(/socket hang up|ECONNRESET|alert/i);
    expect(handled).toBe(before);
    expect(JSON.parse(await get(inspectPort, options))).toEqual({ authorized: false, error: reason });
  }

  it("accepts a control-plane client certificate, and the server sees its role", async () => {
    const client = issueCertificate(ca, { commonName: "control-plane", role: "control-plane" });
    expect(JSON.parse(await get(strictPort, { key: client.keyPem, cert: client.certPem }))).toEqual({ role: "control-plane" });
    expect(JSON.parse(await get(inspectPort, { key: client.keyPem, cert: client.certPem }))).toEqual({ authorized: true, error: null });
  });

  it("refuses a client certificate from another CA", async () => {
    const client = issueCertificate(otherCa, { commonName: "control-plane", role: "control-plane" });
    await expectRefused({ key: client.keyPem, cert: client.certPem }, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("refuses an expired client certificate", async () => {
    const client = issueCertificate(ca, { commonName: "control-plane", role: "control-plane", validMs: 1 });
    await sleep(Math.max(0, client.notAfter.getTime() - Date.now()) + 1_100);
    await expectRefused({ key: client.keyPem, cert: client.certPem }, "CERT_HAS_EXPIRED");
  });

  it("refuses a client without a certificate", async () => {
    await expectRefused({}, "UNABLE_TO_GET_ISSUER_CERT");
  });

  it("verifies the server's IP SAN with the default checkServerIdentity, and refuses a name it does not carry", async () => {
    const client = issueCertificate(ca, { commonName: "control-plane", role: "control-plane" });
    await expect(get(strictPort, { key: client.keyPem, cert: client.certPem })).resolves.toContain("control-plane");
    await expect(get(strictPort, { key: client.keyPem, cert: client.certPem, host: "localhost" })).rejects.toMatchObject({
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("refuses a server whose certificate is from another CA", async () => {
    const client = issueCertificate(otherCa, { commonName: "control-plane", role: "control-plane" });
    await expect(get(strictPort, { key: client.keyPem, cert: client.certPem, ca: [otherCa.certPem] })).rejects.toMatchObject({
      // Both CAs are named "CN=Wrenn CA", so OpenSSL may find the wrong one by name first.
      code: expect.stringMatching(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|CERT_SIGNATURE_FAILURE)$/),
    });
  });
});
