/**
 * The small piece of shell syntax recipe instructions use (as a Dockerfile does): words
 * split on unquoted whitespace, '…' and "…" quoting, backslash escapes, and `$VAR` /
 * `${VAR}` expansion against the build's environment ('…' and `\$` stay literal).
 */

export class WordsError extends Error {}

/** Splits and expands `text`; `env` undefined = no expansion. */
export function splitWords(text: string, env?: Record<string, string>): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const expand = (): void => {
    const { value, end } = expandAt(text, i, env);
    word += value;
    inWord = true;
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new WordsError("a trailing backslash escapes nothing");
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new WordsError("unterminated ' quote");
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new WordsError('unterminated " quote');
        const q = text[i]!;
        if (q === '"') {
          i++;
          break;
        }
        if (q === "\\" && i + 1 < text.length && '"\\$'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else if (q === "$" && env) {
          expand();
        } else {
          word += q;
          i++;
        }
      }
    } else if (c === "$" && env) {
      expand();
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Expands `$VAR` and `${VAR}` in `text` (no word splitting, no quotes). */
export function expandVars(text: string, env: Record<string, string>): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\" && text[i + 1] === "$") {
      out += "$";
      i += 2;
    } else if (text[i] === "$") {
      const { value, end } = expandAt(text, i, env);
      out += value;
      i = end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

/** The expansion of the `$…` at `start`; unknown variables are empty, a lone `$` stays. */
function expandAt(text: string, start: number, env: Record<string, string> | undefined): { value: string; end: number } {
  if (text[start + 1] === "{") {
    const close = text.indexOf("}", start + 2);
    if (close < 0) throw new WordsError("unterminated ${ in variable reference");
    const name = text.slice(start + 2, close);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new WordsError(`"\${${name}}" is not a variable reference: names are letters, digits and _`);
    return { value: env?.[name] ?? "", end: close + 1 };
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(start + 1));
  if (!m) return { value: "$", end: start + 1 };
  return { value: env?.[m[0]] ?? "", end: start + 1 + m[0].length };
}
