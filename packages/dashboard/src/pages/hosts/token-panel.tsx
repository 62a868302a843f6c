import { CopyButton } from "../../components/copy-button";
import { registerCommand } from "./host-format";

/** The one-time registration token and the command that uses it, each with a copy button. */
export function TokenPanel({ hostId, token, origin = window.location.origin }: { hostId: string; token: string; origin?: string }) {
  const command = registerCommand(token, origin);
  return (
    <div className="flex flex-col gap-3 text-[13px]" data-testid="host-token-panel">
      <p className="text-ink-dim">
        Registration token for <span className="font-mono text-ink">{hostId}</span>:
      </p>
      <div className="flex items-center gap-2 rounded-md border border-accent/40 bg-accent/5 px-3 py-2.5">
        <code className="min-w-0 flex-1 break-all font-mono text-[13px] text-ink" data-testid="host-registration-token">
          {token}
        </code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <p className="text-ink-dim">
        On the host, run (replace <span className="font-mono">&lt;host-ip&gt;</span> with the address the control plane reaches it at):
      </p>
      <div className="flex items-start gap-2 rounded-md border border-line-strong bg-canvas px-3 py-2.5">
        <code className="min-w-0 flex-1 break-all font-mono text-[12px] text-ink" data-testid="host-register-command">
          {command}
        </code>
        <CopyButton text={command} label="Copy command" />
      </div>
      <p role="note" className="rounded-md border border-amber-500/30 bg-amber-500/10 px-3 py-2 text-[12px] text-amber-200">
        The token is shown once and expires in 1 hour. If it is lost or expires, regenerate it from the host’s row while the host is pending.
      </p>
    </div>
  );
}
