import type { Env } from '../env';
import { invalidateKeyCache } from '../keys';
import type { ApiKeyRecord, NewApiKey } from '../objects/config-keys';
import { configObject } from '../objects/doors';

// Key changes made as /api/keys makes them: the ConfigObject, then this isolate's key cache dropped.

export async function listKeys(env: Env): Promise<ApiKeyRecord[]> {
  return (await configObject(env).listKeys()) as ApiKeyRecord[];
}

export async function createKey(
  env: Env,
  input: NewApiKey,
  now: number,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const out = (await configObject(env).createKey(input, now)) as { key: string; record: ApiKeyRecord };
  invalidateKeyCache();
  return out;
}

export async function revokeKey(env: Env, id: string, now: number): Promise<boolean> {
  const ok = await configObject(env).revokeKey(id, now);
  invalidateKeyCache();
  return ok;
}

/** A replacement with the same type, scope, origins and name; the old key stops working at once. */
export async function rotateKey(
  env: Env,
  id: string,
  now: number,
): Promise<{ key: string; record: ApiKeyRecord } | null> {
  const old = (await listKeys(env)).find((k) => k.id === id && k.revokedAt === null);
  if (!old) return null;
  const input: NewApiKey =
    old.type === 'secret'
      ? { type: 'secret', scope: old.scope ?? 'ingest', name: old.name }
      : { type: 'publishable', origins: old.origins, name: old.name };
  const created = await createKey(env, input, now);
  await revokeKey(env, id, now);
  return created;
}
