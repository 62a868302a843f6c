import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { api, messageOf } from "../../api/client";
import type { Build, Template } from "../../api/types";
import { postMultipart } from "../../api/upload";
import { Button } from "../../components/button";
import { Dialog } from "../../components/dialog";
import { Field, FormError, Input, Select, Textarea } from "../../components/field";
import { formatBytes, formatMb } from "../../lib/format";
import { checkRecipe, recipeInstructions, recipeLines } from "../../lib/recipe";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const starter = "# One instruction per line.\nRUN apt-get update && apt-get install -y curl\nENV APP_ENV=prod\nWORKDIR /home/user\n";

/** A recipe editor with instruction hints, an optional archive for COPY, and the build's size. */
export function NewBuildDialog({ open, onClose, templates, onStarted }: { open: boolean; onClose: () => void; templates: Template[]; onStarted: (build: Build) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [base, setBase] = useState("minimal");
  const [recipe, setRecipe] = useState(starter);
  const [healthcheck, setHealthcheck] = useState("");
  const [vcpus, setVcpus] = useState(1);
  const [memory, setMemory] = useState(512);
  const [archive, setArchive] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const problems = checkRecipe(recipe, archive !== null);

  const insert = (line: string): void => {
    const ta = editor.current;
    const at = ta?.selectionStart ?? recipe.length;
    const lineStart = recipe.lastIndexOf("\n", at - 1) + 1;
    const before = recipe.slice(0, lineStart);
    const after = recipe.slice(lineStart);
    const next = `${before}${line}\n${after}`;
    setRecipe(next);
    requestAnimationFrame(() => {
      ta?.focus();
      ta?.setSelectionRange(lineStart + line.length, lineStart + line.length);
    });
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!NAME.test(name)) return setError("The template name starts with a letter or digit and has at most 64 letters, digits, dots, dashes or underscores.");
    if (problems.length) return setError(problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join("; "));
    setBusy(true);
    setError(null);
    const body = { name, base_template: base, recipe: recipeLines(recipe), ...(healthcheck.trim() ? { healthcheck: healthcheck.trim() } : {}), vcpus, memory_mb: memory };
    try {
      let build: Build;
      if (archive) {
        const form = new FormData();
        for (const [k, v] of Object.entries(body)) form.append(k, Array.isArray(v) ? JSON.stringify(v) : String(v));
        form.append("archive", archive, archive.name);
        build = await postMultipart<Build>("/builds", form, (p) => setProgress(p.total ? p.loaded / p.total : null));
      } else {
        build = await api<Build>("POST", "/builds", { body });
      }
      void queryClient.invalidateQueries({ queryKey: ["builds"] });
      onStarted(build);
      onClose();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={() => !busy && onClose()}
      wide
      title="New template build"
      description="Runs the recipe in a fresh capsule from the base template and saves the result as a team template."
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="new-build" variant="primary" busy={busy}>
            {progress !== null ? `Uploading ${Math.round(progress * 100)}%` : "Start build"}
          </Button>
        </>
      }
    >
      <form id="new-build" onSubmit={(e) => void submit(e)} className="grid grid-cols-2 gap-4">
        <Field label="Template name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} className="font-mono" placeholder="my-env" required autoFocus />}</Field>
        <Field label="Base template">
          {(id) => (
            <Select id={id} value={base} onChange={(e) => setBase(e.target.value)}>
              {templates.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                  {t.type === "snapshot" ? " (snapshot)" : ""}
                </option>
              ))}
              {templates.some((t) => t.name === base) ? null : <option value={base}>{base}</option>}
            </Select>
          )}
        </Field>
        <div className="col-span-2 flex flex-col gap-1.5">
          <label htmlFor="recipe-editor" className="text-[12px] font-medium text-ink-dim">
            Recipe
          </label>
          <div className="flex flex-wrap gap-1" aria-label="Insert an instruction">
            {recipeInstructions.map((i) => (
              <button
                key={i.word}
                type="button"
                onClick={() => insert(i.example)}
                title={`${i.word}: ${i.hint}`}
                className="rounded border border-line-strong bg-raised px-1.5 py-0.5 font-mono text-[11px] text-ink-dim hover:text-ink"
              >
                {i.word}
              </button>
            ))}
          </div>
          <Textarea id="recipe-editor" ref={editor} value={recipe} onChange={(e) => setRecipe(e.target.value)} rows={9} spellCheck={false} className="leading-[1.55]" />
          {problems.length ? (
            <ul className="text-[12px] text-amber-300">
              {problems.slice(0, 4).map((p) => (
                <li key={`${p.line}-${p.message}`}>{p.line ? `Line ${p.line}: ${p.message}` : p.message}</li>
              ))}
            </ul>
          ) : (
            <p className="text-[12px] text-ink-faint">One instruction per line; # starts a comment. The buttons insert an example (hover for what each does).</p>
          )}
        </div>
        <Field label="Healthcheck (optional)" className="col-span-2" hint="Run after the recipe until it succeeds, e.g. --interval=2s curl -fsS localhost:8000">
          {(id) => <Input id={id} value={healthcheck} onChange={(e) => setHealthcheck(e.target.value)} className="font-mono" />}
        </Field>
        <Field label="vCPUs">
          {(id) => (
            <Select id={id} value={vcpus} onChange={(e) => setVcpus(Number(e.target.value))}>
              {[1, 2, 4, 8].map((v) => (
                <option key={v} value={v}>
                  {v} vCPU
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Memory">
          {(id) => (
            <Select id={id} value={memory} onChange={(e) => setMemory(Number(e.target.value))}>
              {[256, 512, 1024, 2048, 4096, 8192].map((m) => (
                <option key={m} value={m}>
                  {formatMb(m)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Archive for COPY (optional)" className="col-span-2" hint={archive ? `${archive.name}, ${formatBytes(archive.size)}` : "A tar, tar.gz or zip of up to 100 MB."}>
          {(id) => (
            <input
              id={id}
              type="file"
              accept=".tar,.tgz,.gz,.zip,application/gzip,application/zip,application/x-tar"
              onChange={(e) => setArchive(e.target.files?.[0] ?? null)}
              className="text-[12px] text-ink-dim file:mr-3 file:rounded-md file:border file:border-line-strong file:bg-raised file:px-2.5 file:py-1 file:text-[12px] file:text-ink"
            />
          )}
        </Field>
        <div className="col-span-2">
          <FormError message={error} />
        </div>
      </form>
    </Dialog>
  );
}
