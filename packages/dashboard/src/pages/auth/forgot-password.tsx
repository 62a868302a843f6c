import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, messageOf } from "../../api/client";
import { Button } from "../../components/button";
import { Field, FormError, Input } from "../../components/field";
import { AuthShell, linkClass } from "./auth-shell";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", "/me/password/reset", { body: { email }, anonymous: true });
      setSent(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthShell title="Reset your password" subtitle={sent ? undefined : "We will e-mail you a link to choose a new one."} footer={<Link to="/sign-in" className={linkClass}>Back to sign in</Link>}>
      {sent ? (
        <p className="text-[13px] text-ink-dim">
          If an account exists for <span className="font-mono text-ink">{email}</span>, a reset link is on its way. It works once and expires soon.
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
          <Field label="E-mail">{(id) => <Input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}</Field>
          <FormError message={error} />
          <Button type="submit" variant="primary" busy={busy} className="w-full">
            Send reset link
          </Button>
        </form>
      )}
    </AuthShell>
  );
}
