/** A parsed `iptables-save` dump: which chains exist and the rules in them. */
export interface Ruleset {
  chains: Map<string, Set<string>>;
  rules: SavedRule[];
}

export interface SavedRule {
  table: string;
  chain: string;
  /** The rule after `-A <chain> `, exactly as iptables-save printed it (reusable with -D). */
  spec: string;
}

export function parseSave(text: string): Ruleset {
  const chains = new Map<string, Set<string>>();
  const rules: SavedRule[] = [];
  let table = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) {
      table = line.slice(1).trim();
      if (!chains.has(table)) chains.set(table, new Set());
    } else if (line.startsWith(":")) {
      chains.get(table)?.add(line.slice(1).split(" ")[0]!);
    } else if (line.startsWith("-A ")) {
      const rest = line.slice(3);
      const space = rest.indexOf(" ");
      rules.push({ table, chain: rest.slice(0, space), spec: rest.slice(space + 1) });
    }
  }
  return { chains, rules };
}

export function hasChain(rs: Ruleset, table: string, chain: string): boolean {
  return rs.chains.get(table)?.has(chain) ?? false;
}

export function rulesIn(rs: Ruleset, table: string, chain: string): SavedRule[] {
  return rs.rules.filter((r) => r.table === table && r.chain === chain);
}

/** The chain a rule jumps to (`-j X` or `-g X`), if any. */
export function targetOf(spec: string): string | undefined {
  return /(?:^|\s)-[jg] (\S+)/.exec(spec)?.[1];
}

export function commentOf(spec: string): string | undefined {
  const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(spec);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function inInterfaceOf(spec: string): string | undefined {
  return /(?:^|\s)-i (\S+)/.exec(spec)?.[1];
}
