import { describe, expect, it } from "vitest";
import { GlobalChains } from "./global-chains.js";
import { NetNames } from "./names.js";
import { parseSave } from "./ruleset.js";

class Recording extends GlobalChains {
  readonly inputs: string[] = [];
  override async restore(input: string): Promise<void> {
    this.inputs.push(input);
  }
}

const chains = (): Recording => new Recording({ names: new NetNames("WRT", "wt"), poolCidr: "10.240.0.0/20", agentPorts: [5007, 49983], alwaysDeny: ["169.254.0.0/16"] });

describe("GlobalChains", () => {
  it("installs chains, rules and marked jumps on a clean host", async () => {
    const c = chains();
    await c.install(parseSave("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n"), "0");
    expect(c.inputs[0]!.split("\n")).toEqual([
      "*filter",
      ":WRT-FWD - [0:0]",
      ":WRT-IN - [0:0]",
      ":WRT-EGRESS - [0:0]",
      "-A WRT-FWD -i wt+ -o wt+ -j DROP",
      "-A WRT-FWD -o wt+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "-A WRT-FWD -o wt+ -j DROP",
      "-A WRT-FWD -i wt+ -d 10.240.0.0/20 -j DROP",
      "-A WRT-FWD -i wt+ -d 169.254.0.0/16 -j DROP",
      "-A WRT-FWD -i wt+ -j WRT-EGRESS",
      "-A WRT-FWD -i wt+ -j DROP",
      "-A WRT-IN -i wt+ -p tcp -m multiport --dports 5007,49983 -j DROP",
      "-A WRT-IN -i wt+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "-A WRT-IN -i wt+ -j DROP",
      '-I FORWARD 1 -m comment --comment "wrenn-net ip_forward=0" -j WRT-FWD',
      "-I INPUT 1 -m comment --comment wrenn-net -j WRT-IN",
      "COMMIT",
      "*nat",
      ":WRT-NAT - [0:0]",
      "-A WRT-NAT -s 10.240.0.0/20 ! -d 10.240.0.0/20 -j MASQUERADE",
      "-I POSTROUTING 1 -m comment --comment wrenn-net -j WRT-NAT",
      "COMMIT",
      "",
    ]);
  });

  it("over an existing setup: refreshes the chains, keeps capsule dispatch rules, adds no second jump", async () => {
    const existing = parseSave(
      [
        "*filter",
        ":WRT-FWD - [0:0]",
        ":WRT-IN - [0:0]",
        ":WRT-EGRESS - [0:0]",
        '-A FORWARD -m comment --comment "wrenn-net ip_forward=0" -j WRT-FWD',
        "-A INPUT -m comment --comment wrenn-net -j WRT-IN",
        "-A WRT-EGRESS -i wt0h -m comment --comment capsule=cl-a -j WRT-EG-0",
        "COMMIT",
        "*nat",
        ":WRT-NAT - [0:0]",
        "-A POSTROUTING -m comment --comment wrenn-net -j WRT-NAT",
        "COMMIT",
      ].join("\n"),
    );
    const c = chains();
    expect(c.recordedForward(existing)).toBe("0");
    await c.install(existing, "0");
    expect(c.inputs[0]).not.toContain(":WRT-EGRESS");
    expect(c.inputs[0]).not.toMatch(/-I (FORWARD|INPUT|POSTROUTING)/);
    expect(c.inputs[0]).toContain(":WRT-FWD - [0:0]");

    await c.uninstall(existing);
    expect(c.inputs[1]!.split("\n")).toEqual([
      "*filter",
      '-D FORWARD -m comment --comment "wrenn-net ip_forward=0" -j WRT-FWD',
      "-D INPUT -m comment --comment wrenn-net -j WRT-IN",
      "-F WRT-FWD",
      "-F WRT-IN",
      "-F WRT-EGRESS",
      "-X WRT-FWD",
      "-X WRT-IN",
      "-X WRT-EGRESS",
      "COMMIT",
      "*nat",
      "-D POSTROUTING -m comment --comment wrenn-net -j WRT-NAT",
      "-F WRT-NAT",
      "-X WRT-NAT",
      "COMMIT",
      "",
    ]);
  });

  it("sees other Wrenn setups that still need forwarding", () => {
    const c = chains();
    expect(c.othersForwarding(parseSave("*filter\n-A FORWARD -m comment --comment \"wrenn-net ip_forward=1\" -j WRT-FWD\nCOMMIT\n"))).toBe(false);
    expect(c.othersForwarding(parseSave("*filter\n-A FORWARD -m comment --comment \"wrenn-net ip_forward=0\" -j WRENN-FWD\nCOMMIT\n"))).toBe(true);
    expect(c.othersForwarding(parseSave("*filter\n-A FORWARD -j WRENN-FWD\nCOMMIT\n"))).toBe(true);
    expect(c.recordedForward(parseSave("*filter\n-A FORWARD -m comment --comment \"wrenn-net ip_forward=0\" -j WRENN-FWD\nCOMMIT\n"))).toBe("0");
  });
});
