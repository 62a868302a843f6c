import { describe, expect, it } from "vitest";
import { debootstrapProgress } from "./debootstrap.js";

const sample = `I: Retrieving InRelease 
I: Checking Release signature
I: Retrieving Packages 
I: Resolving dependencies of required packages...
I: Resolving dependencies of base packages...
I: Checking component main on http://deb.debian.org/debian...
I: Retrieving adduser 3.134
I: Validating adduser 3.134
I: Retrieving tini 0.19.0-1
I: Chosen extractor for .deb packages: dpkg-deb
I: Extracting adduser...
I: Installing core packages...
I: Unpacking required packages...
I: Unpacking adduser...
I: Configuring required packages...
I: Configuring adduser...
I: Unpacking the base system...
I: Unpacking tini...
I: Configuring tini...
W: some warning
I: Base system installed successfully.`;

describe("debootstrapProgress", () => {
  const steps = () => {
    const parse = debootstrapProgress();
    return sample.split("\n").map((line) => ({ line, step: parse(line) }));
  };

  it("counts retrieved packages without a percentage, then scales later phases by them", () => {
    const all = steps();
    const retrieving = all.filter((s) => /^I: Retrieving \S+ \S+$/.test(s.line));
    expect(retrieving.map((s) => s.step)).toEqual([
      { message: "retrieving adduser (1 packages so far)" },
      { message: "retrieving tini (2 packages so far)" },
    ]);
    expect(all.find((s) => s.line === "I: Extracting adduser...")!.step).toEqual({ message: "extracting adduser", pct: 43 });
    expect(all.find((s) => s.line === "I: Configuring tini...")!.step).toEqual({ message: "configuring tini", pct: 99 });
    expect(all.at(-1)!.step).toEqual({ message: "base system installed", pct: 100 });
  });

  it("only moves forward and ignores lines that are not I: lines", () => {
    const pcts = steps().flatMap((s) => (s.step?.pct === undefined ? [] : [s.step.pct]));
    expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
    expect(steps().find((s) => s.line.startsWith("W:"))!.step).toBeUndefined();
  });

  it("reports index downloads and phase lines as plain messages", () => {
    const all = steps();
    expect(all[0]!.step).toEqual({ message: "retrieving InRelease" });
    expect(all.find((s) => s.line === "I: Unpacking the base system...")!.step).toEqual({ message: "unpacking the base system" });
  });
});
