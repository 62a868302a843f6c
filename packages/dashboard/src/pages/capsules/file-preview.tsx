import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { apiBlob } from "../../api/client";
import type { FileEntry } from "../../api/types";
import { Button } from "../../components/button";
import { ErrorState, LoadingRows } from "../../components/states";
import { formatBytes, formatTime } from "../../lib/format";
import { highlight, languageFor } from "../../lib/highlight";
import { decodeText, planPreview } from "../../lib/preview";

function Highlighted({ text, name }: { text: string; name: string }) {
  const tokens = useMemo(() => highlight(text, languageFor(name)), [text, name]);
  return (
    <pre className="min-h-full overflow-auto p-3 font-mono text-[12px] leading-[1.55] text-ink" data-testid="file-preview-text">
      <code>
        {tokens.map((t, i) => (t.kind === "plain" ? t.text : <span key={i} className={`tok-${t.kind}`}>{t.text}</span>))}
      </code>
    </pre>
  );
}

function ImagePreview({ blob, mime }: { blob: Blob; mime: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([blob], { type: mime }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob, mime]);
  return url ? <img src={url} alt="" className="m-auto max-h-[60vh] max-w-full object-contain p-3" /> : null;
}

/** Text with highlighting or a small image; binary and large files only say why not. */
export function FilePreview({ capsuleId, entry, onDownload, onClose }: { capsuleId: string; entry: FileEntry; onDownload: () => void; onClose: () => void }) {
  const plan = planPreview(entry);
  const content = useQuery({
    queryKey: ["file-preview", capsuleId, entry.path, entry.modified_at, entry.size],
    queryFn: () => apiBlob("POST", `/capsules/${capsuleId}/files/read`, { body: { path: entry.path } }),
    enabled: plan.kind !== "none",
    staleTime: 30_000,
  });
  const bytes = useQuery({
    queryKey: ["file-preview-bytes", capsuleId, entry.path, entry.modified_at, entry.size],
    queryFn: async () => new Uint8Array(await content.data!.arrayBuffer()),
    enabled: plan.kind === "text" && content.data !== undefined,
  });
  const text = bytes.data ? decodeText(bytes.data) : undefined;

  let body: React.ReactNode;
  if (plan.kind === "none") body = <p className="p-4 text-[13px] text-ink-dim">{plan.reason}</p>;
  else if (content.error) body = <ErrorState error={content.error} onRetry={() => void content.refetch()} title="Could not read the file" />;
  else if (!content.data || (plan.kind === "text" && !bytes.data)) body = <LoadingRows rows={6} label="Loading preview" />;
  else if (plan.kind === "image") body = <ImagePreview blob={content.data} mime={plan.mime} />;
  else if (text === null) body = <p className="p-4 text-[13px] text-ink-dim">Binary file: no preview. Download it instead.</p>;
  else if (text === "") body = <p className="p-4 text-[13px] text-ink-dim">Empty file.</p>;
  else body = <Highlighted text={text ?? ""} name={entry.name} />;

  return (
    <section aria-label={`Preview of ${entry.name}`} className="flex min-h-0 flex-col rounded-lg border border-line bg-panel">
      <header className="flex items-center gap-2 border-b border-line px-3 py-2">
        <div className="min-w-0 flex-1">
          <p className="truncate font-mono text-[12px] text-ink" title={entry.path}>
            {entry.name}
          </p>
          <p className="text-[11px] text-ink-faint">
            {formatBytes(entry.size)} · {formatTime(entry.modified_at)}
          </p>
        </div>
        <Button size="sm" onClick={onDownload}>
          Download
        </Button>
        <Button size="sm" variant="ghost" onClick={onClose} aria-label="Close preview">
          Close
        </Button>
      </header>
      <div className="max-h-[calc(100vh-24rem)] min-h-48 flex-1 overflow-auto rounded-b-lg bg-canvas">{body}</div>
    </section>
  );
}
