// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { highlight, languageFor } from "./highlight";

const kinds = (text: string, lang: string) => highlight(text, lang).filter((t) => t.kind !== "plain").map((t) => [t.kind, t.text]);

describe("highlight", () => {
  it("picks a language by file name", () => {
    expect(languageFor("app.tsx")).toBe("c");
    expect(languageFor("train.py")).toBe("py");
    expect(languageFor("Dockerfile")).toBe("sh");
    expect(languageFor("config.yaml")).toBe("data");
    expect(languageFor("notes.txt")).toBe("plain");
  });

  it("marks keywords, strings, numbers and comments in C-like code", () => {
    expect(kinds('const x = "hi"; // note\nreturn 42;', "c")).toEqual([
      ["keyword", "const"],
      ["string", '"hi"'],
      ["comment", "// note"],
      ["keyword", "return"],
      ["number", "42"],
    ]);
  });

  it("handles block comments and escaped quotes", () => {
    expect(kinds('/* a\nb */ "say \\"x\\""', "c")).toEqual([
      ["comment", "/* a\nb */"],
      ["string", '"say \\"x\\""'],
    ]);
  });

  it("treats # as a comment in Python but not inside words", () => {
    expect(kinds("def f(): # why\n  return None", "py")).toEqual([
      ["keyword", "def"],
      ["comment", "# why"],
      ["keyword", "return"],
      ["keyword", "None"],
    ]);
    expect(kinds("echo a#b", "sh")).toEqual([["keyword", "echo"]]);
  });

  it("does not split identifiers that contain digits", () => {
    expect(kinds("var x1 = 2", "c")).toEqual([
      ["keyword", "var"],
      ["number", "2"],
    ]);
  });

  it("reassembles to exactly the input", () => {
    const text = 'import os\nprint("a") # c\n\tx = 0x1F\n';
    expect(highlight(text, "py").map((t) => t.text).join("")).toBe(text);
    expect(highlight(text, "plain")).toEqual([{ kind: "plain", text }]);
  });
});
