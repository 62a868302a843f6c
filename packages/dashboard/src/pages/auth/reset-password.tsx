import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api, messageOf } from "../../api/client";
import { Button } from "../../components/button";
import { Field, FormError, Input } from "../../components/field";
import { AuthShell, linkClass } from "./auth-shell";

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(token ? null : "This link has no reset token. Open the link from the e-mail exactly as it was sent.");
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (password !== again) {
      setError("The two passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api("POST", "/me/password/reset/confirm", { body: { token, password }, anonymous: true });
      setDone(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthShell title="Choose a new password" footer={<Link to="/sign-in" className={linkClass}>Back to sign in</Link>}>
      {done ? (
        <p className="text-[13px] text-ink-dim">
          Your password is changed.{" "}
          <Link to="/sign-in" className={linkClass}>
            Sign in
          </Link>{" "}
          with it now.
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
          <Field label="New password" hint="At least 8 characters.">
            {(id) => <Input id={id} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <Field label="Repeat it">{(id) => <Input id={id} type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />}</Field>
          <FormError message={error} />
          <Button type="submit" variant="primary" busy={busy} disabled={!token} className="w-full">
            Set password
          </Button>
        </form>
      )}
    </AuthShell>
  );
}
