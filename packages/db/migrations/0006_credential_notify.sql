-- Control planes keep recently used API keys in memory. Any change that can end a key's
-- validity (revocation, a changed hash or team, a deleted team) tells every replica at
-- commit: NOTIFY wrenn_credentials, payload the table's name. Inserts cannot invalidate a
-- cached key, and last_used_at writes (on every use) must not flush the caches.
CREATE FUNCTION wrenn_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wrenn_credentials', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER team_api_keys_credentials
  AFTER UPDATE OF key_hash, team_id, revoked_at OR DELETE OR TRUNCATE ON team_api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION wrenn_notify_credentials();

CREATE TRIGGER teams_credentials
  AFTER UPDATE OF deleted_at OR DELETE OR TRUNCATE ON teams
  FOR EACH STATEMENT EXECUTE FUNCTION wrenn_notify_credentials();
