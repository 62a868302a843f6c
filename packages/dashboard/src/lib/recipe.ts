/** Recipe lines for template builds: what each instruction does, and a quick check before sending. */

export const recipeInstructions = [
  { word: "RUN", example: "RUN pip install requests", hint: "run a shell command (RUN --timeout=10m … for long ones)" },
  { word: "ENV", example: "ENV APP_ENV=prod", hint: "set an environment variable for later steps and capsules" },
  { word: "WORKDIR", example: "WORKDIR /app", hint: "the directory later steps and capsules start in" },
  { word: "USER", example: "USER user", hint: "the user later steps and capsules run as" },
  { word: "COPY", example: "COPY app /app", hint: "copy files from the uploaded archive" },
  { word: "START", example: "START python -m http.server 8000", hint: "a process to keep running in every capsule" },
] as const;

const words = new Set<string>(recipeInstructions.map((i) => i.word));

export interface RecipeProblem {
  line: number;
  message: string;
}

/** The recipe's instruction lines (blank lines and # comments dropped). */
export function recipeLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Problems the server would refuse, found before sending: unknown instructions, missing
 * arguments, and COPY without an archive. The server's own check stays the authority.
 */
export function checkRecipe(text: string, hasArchive: boolean): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const [first = "", ...rest] = line.split(/\s+/);
    const word = first.toUpperCase();
    if (word === "FROM") problems.push({ line: i + 1, message: "FROM is the base template field, not a recipe step" });
    else if (word === "HEALTHCHECK") problems.push({ line: i + 1, message: "HEALTHCHECK goes in the healthcheck field" });
    else if (!words.has(word)) problems.push({ line: i + 1, message: `unknown instruction "${first}"; use ${[...words].join(", ")}` });
    else if (rest.length === 0) problems.push({ line: i + 1, message: `${word} needs arguments` });
    else if (word === "COPY" && !hasArchive) problems.push({ line: i + 1, message: "COPY takes files from an archive: attach one" });
  });
  if (recipeLines(text).length === 0) problems.push({ line: 0, message: "the recipe needs at least one instruction" });
  return problems;
}
