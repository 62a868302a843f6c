import { describe, expect, it } from "vitest";
import { parseWrennfile, WrennfileError } from "./wrennfile.js";

describe("parseWrennfile", () => {
  it("splits FROM and HEALTHCHECK from the steps and collects COPY sources", () => {
    const parsed = parseWrennfile(
      [
        "# my environment",
        "FROM python",
        "",
        "RUN --timeout=5m pip install \\",
        "    requests",
        "ENV A=1 B=$A",
        "COPY ./app/ lib/x.py /srv/",
        'COPY ["with space.txt", "/srv/"]',
        "user app",
        "WORKDIR /srv",
        "START python -m http.server 8000",
        "HEALTHCHECK --interval=2s --retries=5 curl -fsS localhost:8000",
      ].join("\n"),
    );
    expect(parsed).toEqual({
      baseTemplate: "python",
      recipe: [
        "RUN --timeout=5m pip install requests",
        "ENV A=1 B=$A",
        "COPY ./app/ lib/x.py /srv/",
        'COPY ["with space.txt", "/srv/"]',
        "USER app",
        "WORKDIR /srv",
        "START python -m http.server 8000",
      ],
      healthcheck: "--interval=2s --retries=5 curl -fsS localhost:8000",
      copySources: ["app", "lib/x.py", "with space.txt"],
    });
  });

  it("defaults to the minimal base and no healthcheck", () => {
    expect(parseWrennfile("RUN true\r\n")).toEqual({ baseTemplate: "minimal", recipe: ["RUN true"], healthcheck: undefined, copySources: [] });
  });

  it("names the line of what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["RUN true\nFETCH x", /line 2: unknown instruction "FETCH"/],
      ["# only a comment", /no steps/],
      ["RUN true\nCOPY onlyone", /line 2: COPY needs at least one source/],
      ["COPY ../secret /x", /line 1: COPY source "..\/secret"/],
      ["COPY /etc/passwd /x", /inside the Wrennfile's directory/],
      ["FROM a\nFROM b\nRUN true", /line 2: FROM may appear only once/],
      ["RUN", /line 1: RUN needs arguments/],
      ['COPY ["a", 1] /x', /JSON array of strings/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseWrennfile(text)).toThrow(WrennfileError);
      expect(() => parseWrennfile(text)).toThrow(message);
    }
  });
});
