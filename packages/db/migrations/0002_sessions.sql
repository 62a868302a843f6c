-- Sessions (user JWTs) issued before the last password change or reset stop working.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();
