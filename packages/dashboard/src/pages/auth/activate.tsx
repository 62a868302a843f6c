import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, messageOf } from "../../api/client";
import { setSession } from "../../api/session";
import type { Session } from "../../api/types";
import { Spinner } from "../../components/button";
import { FormError } from "../../components/field";
import { AuthShell, linkClass } from "./auth-shell";

/** Opened from the activation e-mail: activates once, then signs in if the API hands back a session. */
export function ActivatePage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const navigate = useNavigate();
  const [state, setState] = useState<{ kind: "working" } | { kind: "done" } | { kind: "error"; message: string }>({ kind: "working" });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (!token) {
      setState({ kind: "error", message: "This link has no activation token. Open the link from the e-mail exactly as it was sent." });
      return;
    }
    api<Session | undefined>("POST", "/auth/activate", { body: { token }, anonymous: true })
      .then((s) => {
        if (s && typeof s === "object" && "token" in s) {
          setSession(s);
          navigate("/capsules", { replace: true });
        } else setState({ kind: "done" });
      })
      .catch((err: unknown) => setState({ kind: "error", message: messageOf(err) }));
  }, [token, navigate]);

  return (
    <AuthShell title="Activate your account" footer={<Link to="/sign-in" className={linkClass}>Go to sign in</Link>}>
      {state.kind === "working" ? (
        <p className="flex items-center gap-2 text-[13px] text-ink-dim">
          <Spinner /> Activating…
        </p>
      ) : state.kind === "done" ? (
        <p className="text-[13px] text-ink-dim">Your account is active. Sign in to continue.</p>
      ) : (
        <FormError message={state.message} />
      )}
    </AuthShell>
  );
}
