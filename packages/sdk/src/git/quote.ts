/**
 * POSIX shell quoting: the result is one word for `bash -c`, whatever the input holds
 * (spaces, quotes, `$`, backticks, newlines, globs). Single quotes keep everything
 * literal; an embedded `'` becomes `'\''`.
 */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, each quoted. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
