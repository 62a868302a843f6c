/** An API key as the API lists it (`key` only in the create response). */
export interface ApiKeyJson {
  id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  created_by?: { id: string; email: string } | null;
  key?: string;
}
