import { describe, expect, it } from "vitest";
import { applyEgress, removeEgress, removeEgressFound } from "./egress-chain.js";
import { NetNames } from "./names.js";
import { parseSave } from "./ruleset.js";

const names = new NetNames("WRT", "wt");

describe("egress chain", () => {
  it("writes one transaction per policy: chain (re)declared, rules, dispatch rule", () => {
    expect(applyEgress(names, 5, "cl-a", { mode: "allow_list", destinations: ["1.1.1.1/32", "10.0.0.0/8"] }, true)).toBe(
      [
        "*filter",
        ":WRT-EG-5 - [0:0]",
        "-A WRT-EG-5 -d 1.1.1.1/32 -j ACCEPT",
        "-A WRT-EG-5 -d 10.0.0.0/8 -j ACCEPT",
        "-A WRT-EG-5 -j DROP",
        "-A WRT-EGRESS -i wt5h -m comment --comment capsule=cl-a -j WRT-EG-5",
        "COMMIT",
        "",
      ].join("\n"),
    );
    expect(applyEgress(names, 5, "cl-a", { mode: "deny_all" }, false)).toBe("*filter\n:WRT-EG-5 - [0:0]\n-A WRT-EG-5 -j DROP\nCOMMIT\n");
    expect(applyEgress(names, 5, "cl-a", { mode: "allow_all" }, false)).toContain("-A WRT-EG-5 -j ACCEPT\n");
    expect(removeEgress(names, 5, "cl-a")).toBe("*filter\n-D WRT-EGRESS -i wt5h -m comment --comment capsule=cl-a -j WRT-EG-5\n-F WRT-EG-5\n-X WRT-EG-5\nCOMMIT\n");
  });

  it("removes whatever a dump shows of a slot, duplicates included", () => {
    const rs = parseSave(
      [
        "*filter",
        ":WRT-EGRESS - [0:0]",
        ":WRT-EG-5 - [0:0]",
        ":WRT-EG-6 - [0:0]",
        '-A WRT-EGRESS -i wt5h -m comment --comment "capsule=cl-a" -j WRT-EG-5',
        "-A WRT-EGRESS -i wt5h -j WRT-EG-5",
        '-A WRT-EGRESS -i wt6h -m comment --comment "capsule=cl-b" -j WRT-EG-6',
        "-A WRT-EG-5 -j ACCEPT",
        "COMMIT",
      ].join("\n"),
    );
    expect(removeEgressFound(rs, names, [5, 9])).toBe(
      [
        "*filter",
        '-D WRT-EGRESS -i wt5h -m comment --comment "capsule=cl-a" -j WRT-EG-5',
        "-D WRT-EGRESS -i wt5h -j WRT-EG-5",
        "-F WRT-EG-5",
        "-X WRT-EG-5",
        "COMMIT",
        "",
      ].join("\n"),
    );
    expect(removeEgressFound(rs, names, [9])).toBeUndefined();
  });
});
