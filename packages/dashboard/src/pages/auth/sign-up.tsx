import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, messageOf } from "../../api/client";
import { Button } from "../../components/button";
import { Field, FormError, Input } from "../../components/field";
import { AuthShell, linkClass } from "./auth-shell";

export function SignUpPage() {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", "/auth/signup", { body: { email, password, ...(name.trim() ? { name: name.trim() } : {}) }, anonymous: true });
      setSentTo(email);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <AuthShell title="Check your e-mail" footer={<Link to="/sign-in" className={linkClass}>Back to sign in</Link>}>
        <p className="text-[13px] text-ink-dim">
          We sent an activation link to <span className="font-mono text-ink">{sentTo}</span>. Open it to activate your account, then sign in.
        </p>
      </AuthShell>
    );
  }
  return (
    <AuthShell
      title="Create an account"
      footer={
        <>
          Already have one?{" "}
          <Link to="/sign-in" className={linkClass}>
            Sign in
          </Link>
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
        <Field label="Name (optional)">{(id) => <Input id={id} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="E-mail">{(id) => <Input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <Field label="Password" hint="At least 8 characters.">
          {(id) => <Input id={id} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <FormError message={error} />
        <Button type="submit" variant="primary" busy={busy} className="w-full">
          Create account
        </Button>
      </form>
    </AuthShell>
  );
}
