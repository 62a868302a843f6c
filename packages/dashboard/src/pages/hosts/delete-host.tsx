import { useState } from "react";
import type { Host } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { deleteHost, useInvalidateHosts } from "./queries";

/**
 * Deleting a host asks the API without force first. A host that still runs capsules is
 * refused with their ids (409 host_has_capsules); those are listed and the host id must be
 * typed before the forced delete destroys them.
 */
export function DeleteHostFlow({ host, onClose }: { host: Host | null; onClose: () => void }) {
  const invalidate = useInvalidateHosts();
  const [preview, setPreview] = useState<{ host: Host; capsuleIds: string[] } | null>(null);
  return (
    <>
      <ConfirmDialog
        open={host !== null}
        onClose={onClose}
        title="Delete host?"
        body={
          <>
            <span className="font-mono text-ink">{host?.id}</span> is removed from the fleet and its agent can no longer join with its old credentials.
          </>
        }
        confirmLabel="Delete host"
        onConfirm={async () => {
          const target = host!;
          const result = await deleteHost(target.id);
          if (!result.deleted) setPreview({ host: target, capsuleIds: result.capsuleIds });
          await invalidate();
        }}
      />
      <ConfirmDialog
        open={preview !== null}
        onClose={() => setPreview(null)}
        title="Destroy its capsules too?"
        body={
          <div className="flex flex-col gap-2">
            <p>
              <span className="font-mono text-ink">{preview?.host.id}</span> still runs {preview?.capsuleIds.length === 1 ? "this capsule" : `these ${preview?.capsuleIds.length ?? 0} capsules`}. Deleting
              the host destroys {preview?.capsuleIds.length === 1 ? "it" : "them"}; their owners lose any unsaved state.
            </p>
            <ul aria-label="Capsules to destroy" className="max-h-40 overflow-y-auto rounded-md border border-line bg-canvas px-3 py-2 font-mono text-[12px] text-ink">
              {preview?.capsuleIds.map((id) => (
                <li key={id}>{id}</li>
              ))}
            </ul>
          </div>
        }
        typeToConfirm={preview?.host.id}
        confirmLabel="Destroy capsules and delete host"
        onConfirm={async () => {
          await deleteHost(preview!.host.id, true);
          await invalidate();
        }}
      />
    </>
  );
}
