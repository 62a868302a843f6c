/**
 * A small, dependency-free highlighter for the file preview: comments, strings, numbers
 * and keywords, chosen by file extension. Not a parser — good enough to read code by.
 */
import { extensionOf } from "./preview";

export type TokenKind = "plain" | "comment" | "string" | "number" | "keyword";
export interface Token {
  kind: TokenKind;
  text: string;
}

interface Language {
  line?: string[];
  block?: [string, string];
  keywords: Set<string>;
}

const words = (s: string): Set<string> => new Set(s.split(" "));

const cLike = words(
  "as async await break case catch class const continue default delete do else enum export extends false finally for from func function go if implements import in instanceof interface let new nil null package private protected public return static struct super switch this throw true try type typeof var void while yield fn impl mut pub use match mod trait where",
);
const python = words("and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self");
const shell = words("if then else elif fi for while do done case esac in function return export local echo exit set unset source");
const data = words("true false null yes no");

const languages: Record<string, Language> = {
  c: { line: ["//"], block: ["/*", "*/"], keywords: cLike },
  py: { line: ["#"], keywords: python },
  sh: { line: ["#"], keywords: shell },
  data: { line: ["#"], keywords: data },
  json: { keywords: data },
  plain: { keywords: new Set() },
};

const byExtension: Record<string, string> = {
  js: "c", mjs: "c", cjs: "c", ts: "c", tsx: "c", jsx: "c", go: "c", rs: "c", java: "c", c: "c", h: "c", cc: "c", cpp: "c",
  hpp: "c", cs: "c", swift: "c", kt: "c", scala: "c", css: "c", scss: "c", php: "c",
  py: "py", pyi: "py", rb: "py", pl: "py",
  sh: "sh", bash: "sh", zsh: "sh", bashrc: "sh", profile: "sh", dockerfile: "sh", mk: "sh",
  yml: "data", yaml: "data", toml: "data", ini: "data", conf: "data", cfg: "data", env: "data",
  json: "json", jsonl: "json",
};

export function languageFor(name: string): string {
  const base = name.toLowerCase();
  if (base === "dockerfile" || base === "makefile") return "sh";
  if (base === ".bashrc" || base === ".profile" || base === ".bash_profile") return "sh";
  return byExtension[extensionOf(name)] ?? "plain";
}

const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isWord = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);

/** Splits text into tokens; adjacent plain characters are merged into one token. */
export function highlight(text: string, language: string): Token[] {
  const lang = languages[language] ?? languages.plain!;
  if (language === "plain") return [{ kind: "plain", text }];
  const out: Token[] = [];
  const push = (kind: TokenKind, t: string): void => {
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === "plain") last.text += t;
    else out.push({ kind, text: t });
  };
  let i = 0;
  while (i < text.length) {
    const rest = (s: string): boolean => text.startsWith(s, i);
    const lineStart = lang.line?.find(rest);
    if (lineStart && (lineStart !== "#" || i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      push("comment", text.slice(i, stop));
      i = stop;
      continue;
    }
    if (lang.block && rest(lang.block[0])) {
      const end = text.indexOf(lang.block[1], i + lang.block[0].length);
      const stop = end < 0 ? text.length : end + lang.block[1].length;
      push("comment", text.slice(i, stop));
      i = stop;
      continue;
    }
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && !(text[j] === "\n" && c !== "`")) j += text[j] === "\\" ? 2 : 1;
      const stop = Math.min(text.length, j + 1);
      push("string", text.slice(i, stop));
      i = stop;
      continue;
    }
    if (isDigit(c) && (i === 0 || !isWord(text[i - 1]!))) {
      let j = i;
      while (j < text.length && /[0-9a-fA-FxX._]/.test(text[j]!)) j += 1;
      push("number", text.slice(i, j));
      i = j;
      continue;
    }
    if (isWord(c)) {
      let j = i;
      while (j < text.length && isWord(text[j]!)) j += 1;
      const word = text.slice(i, j);
      push(lang.keywords.has(word) ? "keyword" : "plain", word);
      i = j;
      continue;
    }
    push("plain", c);
    i += 1;
  }
  return out;
}
