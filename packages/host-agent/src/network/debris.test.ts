import { describe, expect, it } from "vitest";
import { planDebris } from "./debris.js";
import { NetNames } from "./names.js";
import { parseSave } from "./ruleset.js";

const names = new NetNames("WRT", "wt");

describe("planDebris", () => {
  const rules = parseSave(
    [
      "*filter",
      ":WRT-EGRESS - [0:0]",
      ":WRT-EG-0 - [0:0]",
      ":WRT-EG-1 - [0:0]",
      ":WRT-EG-2 - [0:0]",
      ":WRT-EG-7 - [0:0]",
      ":OTHER-EG-3 - [0:0]",
      "-A WRT-EGRESS -i wt0h -m comment --comment capsule=cl-keep -j WRT-EG-0",
      "-A WRT-EGRESS -i wt1h -m comment --comment capsule=cl-gone -j WRT-EG-1",
      '-A WRT-EGRESS -i wt2h -m comment --comment "capsule=cl-unadopted" -j WRT-EG-2',
      "COMMIT",
    ].join("\n"),
  );
  const plan = planDebris({
    names,
    keep: new Set(["cl-keep", "cl-unadopted"]),
    known: new Map([["cl-keep", { slotIndex: 0, netnsName: "wrt-cl-keep-g2" }]]),
    ownToken: "mine",
    state: {
      rules,
      netns: ["wrt-cl-keep-g2", "wrt-cl-keep-g1", "wrt-cl-gone-g0", "wrt-cl-unadopted-g4", "wrt-pool-mine-1", "wrt-pool-old0-3", "wrenn-cl-gone-g0", "inet"],
      links: ["eth0", "lo", "wt0h", "wt1h", "wt2h", "wt9h", "wt0x1", "wtpmine1", "wtpold03", "wr1h"],
    },
  });

  it("keeps what kept capsules use, and this manager's warm pairs", () => {
    expect(plan.netns).toEqual(["wrt-cl-keep-g1", "wrt-cl-gone-g0", "wrt-pool-old0-3"]);
    expect(plan.links).toEqual(["wt1h", "wt9h", "wt0x1", "wtpold03"]);
    expect(plan.egressSlots).toEqual([1, 7]);
  });

  it("reserves the slot of a kept capsule that was never adopted", () => {
    expect(plan.unadopted).toEqual(new Map([[2, "cl-unadopted"]]));
  });
});
