import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import forge from "node-forge";

/**
 * The control plane's own certificate authority for mutual TLS with host agents. Agents
 * and the control plane both present certificates signed by it; the subject's OU says
 * which side a certificate belongs to.
 *
 * node-forge only builds and signs the X.509 structures; keys come from node:crypto
 * (forge's RSA key generation takes seconds) and parsing/verification goes through
 * node:crypto's X509Certificate, i.e. through OpenSSL like the TLS stack itself.
 */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Lower-case hex, 32 digits. */
  serial: string;
  notAfter: Date;
}

export type CertificateRole = "agent" | "control-plane";

const roleUnits: Record<CertificateRole, string> = { agent: "wrenn-agent", "control-plane": "wrenn-control-plane" };
const caValidYears = 10;
const defaultValidDays = 30;
/** Certificates start this long before "now" so a host whose clock is slightly behind accepts them. */
const clockSkewMs = 5 * 60 * 1000;
/** How long a process that lost the creation race waits for the winner's ca.crt to appear. */
const peerWriteWaitMs = 5_000;
const maxCommonNameLength = 64; // ub-common-name in RFC 5280

/**
 * Loads the CA: from env WRENN_CA_CERT_FILE + WRENN_CA_KEY_FILE (both or neither; clear
 * error otherwise), else <dataDir>/ca/ca.crt + ca.key (key mode 0600, dir 0700), creating a
 * new self-signed CA on first start.
 *
 * Creation is safe against two processes starting at once on one dataDir: each writes its
 * own temporary files and hard-links them into place, which fails if the name exists. The
 * key is linked first, so whoever links ca.key wins; a loser throws its own CA away and
 * reads the winner's pair once ca.crt appears.
 */
export function loadOrCreateCa(dataDir: string, env: NodeJS.ProcessEnv = process.env): CertificateAuthority {
  const certFile = env.WRENN_CA_CERT_FILE || undefined;
  const keyFile = env.WRENN_CA_KEY_FILE || undefined;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) {
      const given = certFile ? "WRENN_CA_CERT_FILE" : "WRENN_CA_KEY_FILE";
      const missing = certFile ? "WRENN_CA_KEY_FILE" : "WRENN_CA_CERT_FILE";
      throw new Error(
        `${given} is set but ${missing} is not: set both to use your own CA, or neither to let Wrenn create one in ${join(dataDir, "ca")}`,
      );
    }
    const ca = { certPem: readNamedFile(certFile, "WRENN_CA_CERT_FILE"), keyPem: readNamedFile(keyFile, "WRENN_CA_KEY_FILE") };
    checkCa(ca, `WRENN_CA_CERT_FILE (${certFile}) and WRENN_CA_KEY_FILE (${keyFile})`);
    return ca;
  }

  const dir = join(dataDir, "ca");
  const certPath = join(dir, "ca.crt");
  const keyPath = join(dir, "ca.key");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (existsSync(keyPath) && existsSync(certPath)) return readCaFiles(certPath, keyPath);
  // Creation links ca.key before ca.crt, so a lone ca.crt was not left by a starting peer.
  if (existsSync(certPath)) throw lonelyCertError(certPath);

  const fresh = createCa();
  const tag = `${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const tmpKey = join(dir, `.ca.key.${tag}`);
  const tmpCert = join(dir, `.ca.crt.${tag}`);
  try {
    writeFileSync(tmpKey, fresh.keyPem, { mode: 0o600, flag: "wx" });
    chmodSync(tmpKey, 0o600); // the umask may have narrowed it; make it exact
    writeFileSync(tmpCert, fresh.certPem, { mode: 0o644, flag: "wx" });
    chmodSync(tmpCert, 0o644);
    if (!linkIfAbsent(tmpKey, keyPath)) return waitForPeerCa(certPath, keyPath);
    if (!linkIfAbsent(tmpCert, certPath)) {
      rmSync(keyPath, { force: true }); // ours, just linked: leave the directory as we found it
      throw lonelyCertError(certPath);
    }
    return fresh;
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
  }
}

/**
 * Issues a leaf certificate signed by the CA. role "agent": OU=wrenn-agent, EKU serverAuth +
 * clientAuth. role "control-plane": OU=wrenn-control-plane, EKU clientAuth + serverAuth (the
 * control plane may also serve agents; the OU, not the EKU, tells the roles apart).
 * `hosts` become subjectAltNames: IPv4/IPv6 literals as IP SANs, everything else as DNS SANs.
 * `validMs` overrides `validDays` (default 30); notBefore is 5 minutes in the past.
 */
export function issueCertificate(
  ca: CertificateAuthority,
  options: { commonName: string; role: CertificateRole; hosts?: string[]; validDays?: number; validMs?: number },
): IssuedCertificate {
  const { commonName, role } = options;
  if (!commonName || commonName.length > maxCommonNameLength) {
    throw new Error(`commonName must be 1 to ${maxCommonNameLength} characters, got ${JSON.stringify(commonName)}`);
  }
  if (!Object.hasOwn(roleUnits, role)) throw new Error(`role must be "agent" or "control-plane", got ${JSON.stringify(role)}`);
  const validMs = options.validMs ?? (options.validDays ?? defaultValidDays) * 86_400_000;
  if (!Number.isFinite(validMs) || validMs <= 0) {
    throw new Error(`validity must be greater than 0 (validDays ${options.validDays}, validMs ${options.validMs})`);
  }
  const altNames = subjectAltNames(options.hosts ?? []);

  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { keyPem, publicKey } = newRsaKey();
  const { serial, hex } = randomSerial();
  const now = Date.now();

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = hex;
  cert.validity.notBefore = new Date(now - clockSkewMs);
  cert.validity.notAfter = new Date(now + validMs);
  cert.setSubject([utf8Attribute("commonName", commonName), utf8Attribute("organizationalUnitName", roleUnits[role])]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());

  const certPem = forge.pki.certificateToPem(cert);
  // The encoded time has whole seconds; report what is in the certificate.
  return { certPem, keyPem, serial, notAfter: new Date(new X509Certificate(certPem).validTo) };
}

/** Role of a certificate issued by this CA (from its OU), or null if not issued by/valid under this CA or expired. */
export function certificateRole(ca: CertificateAuthority, certPem: string, now: Date = new Date()): CertificateRole | null {
  let cert: X509Certificate;
  let caCert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    caCert = new X509Certificate(ca.certPem);
  } catch {
    return null;
  }
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return null;
  const t = now.getTime();
  if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return null;
  const units = cert.subject
    .split("\n")
    .filter((line) => line.startsWith("OU="))
    .map((line) => line.slice(3));
  if (units.length !== 1) return null;
  const found = (Object.keys(roleUnits) as CertificateRole[]).find((role) => roleUnits[role] === units[0]);
  return found ?? null;
}

/** True when the certificate expires within `fraction` (default 1/3) of its total lifetime from `now`. Throws if certPem is not a certificate. */
export function needsRenewal(certPem: string, now: Date = new Date(), fraction = 1 / 3): boolean {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fraction must be between 0 and 1, got ${fraction}`);
  const cert = new X509Certificate(certPem);
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  return notAfter - now.getTime() <= (notAfter - notBefore) * fraction;
}

function createCa(): CertificateAuthority {
  const { keyPem, publicKey } = newRsaKey();
  const now = Date.now();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + caValidYears);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial().hex;
  cert.validity.notBefore = new Date(now - clockSkewMs);
  cert.validity.notAfter = notAfter;
  const name = [utf8Attribute("commonName", "Wrenn CA")];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

function newRsaKey(): { keyPem: string; publicKey: forge.pki.rsa.PublicKey } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { keyPem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

/**
 * A random positive 128-bit serial. DER integers are signed and minimal, so a first byte
 * with the high bit set gets a 00 prefix and a zero first byte is drawn again.
 */
function randomSerial(): { serial: string; hex: string } {
  let bytes = randomBytes(16);
  while (bytes[0] === 0) bytes = randomBytes(16);
  const serial = bytes.toString("hex");
  return { serial, hex: (bytes[0]! & 0x80 ? "00" : "") + serial };
}

/** UTF8String, not forge's default PrintableString, which cannot hold "_" (host ids) or "@". */
function utf8Attribute(name: string, value: string): forge.pki.CertificateField {
  // @types/node-forge types valueTagClass as a tag class; forge reads it as the ASN.1 type.
  return { name, value: forge.util.encodeUtf8(value), valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class };
}

/** IP literals (a bracketed IPv6 too) become IP SANs (type 7), everything else DNS SANs (type 2). */
function subjectAltNames(hosts: string[]): { type: number; value?: string; ip?: string }[] {
  const seen = new Set<string>();
  const names: { type: number; value?: string; ip?: string }[] = [];
  for (const raw of hosts) {
    const host = raw.trim();
    if (!host) throw new Error(`hosts must not contain empty names, got ${JSON.stringify(hosts)}`);
    const unbracketed = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    const ip = isIP(unbracketed) !== 0;
    const key = `${ip ? "ip" : "dns"}:${ip ? unbracketed : host}`;
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(ip ? { type: 7, ip: unbracketed } : { type: 2, value: host });
  }
  return names;
}

function lonelyCertError(certPath: string): Error {
  return new Error(`${certPath} exists but ca.key next to it does not; restore the key, or move ca.crt away to create a new CA, and restart`);
}

function linkIfAbsent(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Another process linked ca.key first; its ca.crt follows right after. */
function waitForPeerCa(certPath: string, keyPath: string): CertificateAuthority {
  const deadline = Date.now() + peerWriteWaitMs;
  while (!existsSync(certPath)) {
    if (Date.now() > deadline) {
      throw new Error(
        `${keyPath} exists but ${certPath} did not appear within ${peerWriteWaitMs} ms; if no CA from this directory was ever handed out, delete ${keyPath} and restart, else restore ca.crt`,
      );
    }
    sleepSync(20);
  }
  return readCaFiles(certPath, keyPath);
}

function readCaFiles(certPath: string, keyPath: string): CertificateAuthority {
  const ca = { certPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
  checkCa(ca, `${certPath} and ${keyPath}`);
  return ca;
}

function readNamedFile(path: string, variable: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${variable} points to ${path}, which cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/** A CA must be an RSA CA certificate (forge signs with RSA only) with its own private key. */
function checkCa(ca: CertificateAuthority, source: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certPem);
  } catch (err) {
    throw new Error(`${source}: the certificate is not a PEM X.509 certificate`, { cause: err });
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch (err) {
    throw new Error(`${source}: the key is not a PEM private key (an encrypted key is not supported)`, { cause: err });
  }
  if (!cert.ca) throw new Error(`${source}: the certificate is not a CA certificate (basicConstraints cA is not set)`);
  if (key.asymmetricKeyType !== "rsa") throw new Error(`${source}: the CA key must be RSA, got ${key.asymmetricKeyType}`);
  if (!cert.checkPrivateKey(key)) throw new Error(`${source}: the key does not belong to the certificate`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
