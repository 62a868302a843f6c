/** One changed path in `git status`. */
export interface GitFileStatus {
  path: string;
  /** For renames and copies: the path before. */
  origPath?: string;
  /** Status letter in the index (staged): `M`, `A`, `D`, `R`, `C`, `U`, `?`, `!` or `.` for none. */
  index: string;
  /** Status letter in the working tree (unstaged), as for `index`. */
  workingTree: string;
  /** The change in one word. */
  status: "modified" | "added" | "deleted" | "renamed" | "copied" | "conflicted" | "untracked" | "ignored" | "type_changed";
  staged: boolean;
}

/** The state of a working tree, from `git status --porcelain=v2 --branch -z`. */
export interface GitStatus {
  /** Current branch; undefined when HEAD is detached. */
  branch: string | undefined;
  detached: boolean;
  /** Commit HEAD points at; undefined before the first commit. */
  commit: string | undefined;
  upstream: string | undefined;
  ahead: number;
  behind: number;
  files: GitFileStatus[];
  /** True when nothing is changed, staged or untracked. */
  isClean: boolean;
}

const word: Record<string, GitFileStatus["status"]> = {
  M: "modified",
  A: "added",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type_changed",
  U: "conflicted",
};

function describe(xy: string): GitFileStatus["status"] {
  if (xy.includes("U") || xy === "AA" || xy === "DD") return "conflicted";
  const letter = xy[0] !== "." ? xy[0]! : xy[1]!;
  return word[letter] ?? "modified";
}

function changed(xy: string, path: string, origPath?: string): GitFileStatus {
  const index = xy[0] ?? ".";
  const workingTree = xy[1] ?? ".";
  return { path, ...(origPath !== undefined ? { origPath } : {}), index, workingTree, status: describe(xy), staged: index !== "." && index !== "?" };
}

/** Parses NUL-separated porcelain v2 output (with `--branch`). */
export function parseStatus(output: string): GitStatus {
  const status: GitStatus = { branch: undefined, detached: false, commit: undefined, upstream: undefined, ahead: 0, behind: 0, files: [], isClean: true };
  const records = output.split("\0");
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record === "") continue;
    if (record.startsWith("# ")) {
      const [, key, ...rest] = record.split(" ");
      const value = rest.join(" ");
      if (key === "branch.oid") status.commit = value === "(initial)" ? undefined : value;
      else if (key === "branch.head") {
        status.detached = value === "(detached)";
        status.branch = status.detached ? undefined : value;
      } else if (key === "branch.upstream") status.upstream = value;
      else if (key === "branch.ab") {
        const m = /^\+(\d+) -(\d+)$/.exec(value);
        if (m) [status.ahead, status.behind] = [Number(m[1]), Number(m[2])];
      }
      continue;
    }
    const kind = record[0];
    if (kind === "1") {
      const fields = record.split(" ");
      status.files.push(changed(fields[1]!, fields.slice(8).join(" ")));
    } else if (kind === "2") {
      const fields = record.split(" ");
      // With -z the original path is the next NUL-separated record.
      status.files.push(changed(fields[1]!, fields.slice(9).join(" "), records[++i]));
    } else if (kind === "u") {
      const fields = record.split(" ");
      status.files.push({ ...changed(fields[1]!, fields.slice(10).join(" ")), status: "conflicted" });
    } else if (kind === "?") {
      status.files.push({ path: record.slice(2), index: "?", workingTree: "?", status: "untracked", staged: false });
    } else if (kind === "!") {
      status.files.push({ path: record.slice(2), index: "!", workingTree: "!", status: "ignored", staged: false });
    }
  }
  status.isClean = status.files.every((f) => f.status === "ignored");
  return status;
}
