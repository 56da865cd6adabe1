import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from './sql';
import { configSchema } from './config-schema';
import { ApiKeyStore, type ApiKeyRecord, type NewApiKey } from './config-keys';
import { JobStore, type JobProgress } from './config-jobs';
import type { Job } from '../../shared/schemas/people';

/**
 * The deployment's configuration (singleton): API keys and their scopes or origins, job progress,
 * settings. Read through a per-isolate cache (collector/keys.ts), never once per request.
 */
export class ConfigObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly keyStore: ApiKeyStore;
  private readonly jobStore: JobStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, configSchema);
    this.keyStore = new ApiKeyStore(this.sql);
    this.jobStore = new JobStore(this.sql);
  }

  listKeys(): ApiKeyRecord[] {
    return this.keyStore.list();
  }

  createKey(input: NewApiKey, now: number): Promise<{ key: string; record: ApiKeyRecord }> {
    return this.keyStore.create(input, now);
  }

  revokeKey(id: string, now: number): boolean {
    return this.keyStore.revoke(id, now);
  }

  createJob(id: string, kind: Job['kind'], total: number, rejected: number, now: number): Job {
    return this.jobStore.create(id, kind, total, rejected, now);
  }

  recordJobProgress(progress: JobProgress[], now: number): void {
    this.ctx.storage.transactionSync(() => this.jobStore.progress(progress, now));
  }

  job(id: string): Job | null {
    return this.jobStore.get(id);
  }

  setting(name: string): string | null {
    return this.sql.exec<{ value: string }>('SELECT value FROM settings WHERE name = ?', name).toArray()[0]?.value ?? null;
  }

  setSetting(name: string, value: string | null): void {
    if (value === null) this.sql.exec('DELETE FROM settings WHERE name = ?', name);
    else this.sql.exec('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', name, value);
  }
}

export function configObject(env: Env) {
  return env.CONFIG.get(env.CONFIG.idFromName('config'));
}
