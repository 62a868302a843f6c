import { describe, expect, it } from "vitest";
import { expandVars, splitWords } from "./words.js";

describe("recipe words", () => {
  const env = { HOME: "/root", APP: "/srv/app", EMPTY: "" };

  it("splits on unquoted whitespace and honours quotes and escapes", () => {
    expect(splitWords(`a  "b c" 'd e' f\\ g ""`)).toEqual(["a", "b c", "d e", "f g", ""]);
    expect(splitWords(`x"y"'z'`)).toEqual(["xyz"]);
  });

  it("expands $VAR and ${VAR} except in single quotes or after a backslash", () => {
    expect(splitWords(`$APP/x "\${APP}/y z" '$APP' \\$APP $NOPE. $`, env)).toEqual(["/srv/app/x", "/srv/app/y z", "$APP", "$APP", ".", "$"]);
    expect(expandVars("PATH=$HOME/bin:\\$KEEP:${APP}", env)).toBe("PATH=/root/bin:$KEEP:/srv/app");
  });

  it("does not split an expansion into several words", () => {
    expect(splitWords("$V", { V: "a b" })).toEqual(["a b"]);
  });

  it("names what is wrong with bad syntax", () => {
    expect(() => splitWords(`"open`)).toThrow(/unterminated " quote/);
    expect(() => splitWords(`'open`)).toThrow(/unterminated ' quote/);
    expect(() => splitWords("${A", env)).toThrow(/unterminated \$\{/);
    expect(() => splitWords("${A-B}", env)).toThrow(/not a variable reference/);
  });
});
