import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { api, messageOf } from "../../api/client";
import { sessionEndReason, setSession } from "../../api/session";
import type { Session } from "../../api/types";
import { useSession } from "../../api/use-session";
import { Button } from "../../components/button";
import { Field, FormError, Input } from "../../components/field";
import { AuthShell, linkClass } from "./auth-shell";

const endNotice = {
  expired: "Your session expired. Sign in again.",
  unauthorized: "Your session is no longer valid. Sign in again.",
  signed_out: null,
} as const;

export function SignInPage() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const from = (location.state as { from?: string } | null)?.from ?? "/capsules";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reason = sessionEndReason();
  if (session) return <Navigate to={from} replace />;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api<Session>("POST", "/auth/login", { body: { email, password }, anonymous: true });
      setSession(s);
      navigate(from, { replace: true });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthShell
      title="Sign in"
      subtitle="Capsules, templates and keys for your team."
      footer={
        <>
          New here?{" "}
          <Link to="/sign-up" className={linkClass}>
            Create an account
          </Link>
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
        {reason && endNotice[reason] ? <p className="rounded-md border border-amber-500/30 bg-amber-500/10 px-3 py-2 text-[13px] text-amber-200">{endNotice[reason]}</p> : null}
        <Field label="E-mail">{(id) => <Input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}</Field>
        <Field label="Password">
          {(id) => <Input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <FormError message={error} />
        <Button type="submit" variant="primary" busy={busy} className="w-full">
          Sign in
        </Button>
        <Link to="/forgot-password" className={`${linkClass} self-center text-[13px]`}>
          Forgot your password?
        </Link>
      </form>
    </AuthShell>
  );
}
