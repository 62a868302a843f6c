import type { AgentTls } from "../../agent/client.js";
import { issueCertificate, loadOrCreateCa, type CertificateAuthority, type IssuedCertificate } from "./pki.js";

/**
 * The control plane's side of mTLS: its CA (made on first start or given by environment),
 * the client certificate it shows to agents, renewed in place when a third of its life is
 * left, and certificates for agents.
 */
export class ControlPlanePki {
  readonly ca: CertificateAuthority;
  private client: IssuedCertificate;
  private clientIssuedAt: number;

  constructor(
    private readonly dataDir: string,
    private readonly validMs: number,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.ca = loadOrCreateCa(dataDir, env);
    this.client = this.issueClient();
    this.clientIssuedAt = Date.now();
  }

  /** The current client certificate; a fresh one once the old is two thirds through its life. */
  clientTls(): AgentTls {
    const life = this.client.notAfter.getTime() - this.clientIssuedAt;
    if (Date.now() > this.clientIssuedAt + (life * 2) / 3) {
      this.client = this.issueClient();
      this.clientIssuedAt = Date.now();
    }
    return { caCertPem: this.ca.certPem, certPem: this.client.certPem, keyPem: this.client.keyPem };
  }

  /** A serving + client certificate for an agent, valid for the host part of its address. */
  issueAgent(hostId: string, address: string): IssuedCertificate {
    return issueCertificate(this.ca, { commonName: hostId, role: "agent", hosts: [hostPart(address)], validMs: this.validMs });
  }

  private issueClient(): IssuedCertificate {
    return issueCertificate(this.ca, { commonName: "wrenn-control-plane", role: "control-plane", validMs: this.validMs });
  }
}

/** `10.0.0.5:9726` → `10.0.0.5`; `[fd00::1]:9726` → `fd00::1`. */
export function hostPart(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const at = address.lastIndexOf(":");
  return at > 0 ? address.slice(0, at) : address;
}
