import { toHex } from '../../shared/hex';

export type KeyScope = 'ingest' | 'admin';

export interface NewApiKey {
  type: 'secret' | 'publishable';
  scope?: KeyScope;
  origins?: string[];
  name?: string;
}

/** A key as stored and listed: never the key itself, only its hash and a hint. */
export interface ApiKeyRecord {
  id: string;
  type: 'secret' | 'publishable';
  scope: KeyScope | null;
  hash: string;
  hint: string;
  origins: string[];
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

type Row = {
  id: string;
  type: 'secret' | 'publishable';
  scope: KeyScope | null;
  hash: string;
  hint: string;
  origins: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
};

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return toHex(digest);
}

function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replace(/\+/g, 'A')
    .replace(/\//g, 'B')
    .replace(/=+$/, '');
}

export class ApiKeyStore {
  constructor(private readonly sql: SqlStorage) {}

  list(): ApiKeyRecord[] {
    return this.sql
      .exec<Row>('SELECT * FROM api_keys ORDER BY created_at')
      .toArray()
      .map((r) => ({
        id: r.id,
        type: r.type,
        scope: r.scope,
        hash: r.hash,
        hint: r.hint,
        origins: JSON.parse(r.origins),
        name: r.name,
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
  }

  /** Mints a key; the clear value is returned once and never stored. */
  async create(input: NewApiKey, now: number): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `${input.type === 'secret' ? 'sk' : 'pk'}_${randomToken(24)}`;
    const record: ApiKeyRecord = {
      id: `key_${randomToken(9)}`,
      type: input.type,
      scope: input.type === 'secret' ? (input.scope ?? 'ingest') : null,
      hash: await sha256Hex(key),
      hint: `${key.slice(0, 3)}...${key.slice(-4)}`,
      origins: input.type === 'publishable' ? (input.origins ?? []) : [],
      name: input.name ?? '',
      createdAt: now,
      revokedAt: null,
    };
    this.sql.exec(
      'INSERT INTO api_keys (id, type, scope, hash, hint, origins, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      record.id,
      record.type,
      record.scope,
      record.hash,
      record.hint,
      JSON.stringify(record.origins),
      record.name,
      now,
    );
    return { key, record };
  }

  revoke(id: string, now: number): boolean {
    return (
      this.sql.exec('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now, id).rowsWritten > 0
    );
  }
}
