// One CRM source: its sealed settings, cursor, lease and run status. Runs happen in the object's
// alarm only (one alarm at a time per object, plus an in-memory lease), so two runs of one source
// never overlap. Each page's records are applied, then the page's cursor and counts are committed
// together: a run that fails midway resumes from its last committed page.
// (Over 300 lines: configuration, runs and the webhook share the object's sealed settings and state,
// and splitting them would pass the settings around outside the object.)
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { decryptCredentials, encryptCredentials, importCredentialKey } from '../crypto/credentials';
import { customEndpointsIssue } from '../security/custom-endpoints';
import {
  SourceError,
  type FetchContext,
  type FieldIssue,
  type SourceCursor,
  type SourceRecord,
  type SourceType,
} from '../sources/connector';
import { connectorFor } from '../sources/registry';
import { applyRecords } from '../sources/apply';
import type { CatalogueField } from '../sources/catalogue';

import { alertSourceCredentials } from '../sources/alerts';
import { hubspotContactsById } from '../sources/hubspot/connector';
import { contactIds, hubspotSignatureValid } from '../sources/hubspot/webhook';
import {
  maskSourceSettings,
  settingsSchemas,
  type SourceRun,
  type SourceStatus,
  type SourceView,
} from '../../shared/schemas/sources';
import { jobId } from '../../shared/hex';

// The CRM's field list changes rarely; a new selection of fields (new sealed settings) is read at once.
const CATALOGUE_TTL_MS = 300_000;

export const SOURCE_ID = /^src_[0-9a-f]{16}$/;
/** How often a source is polled when nothing else wakes it. */
export const SYNC_INTERVAL_MS = 5 * 60_000;
// Pages per alarm: a long backfill continues in the next alarm, so one invocation stays short.
const PAGES_PER_ALARM = 25;
const MAX_ISSUES = 50;

export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string; issues?: unknown };

interface Config {
  id: string;
  type: SourceType;
  name: string;
  sealed: string;
  backfillDays: number | null;
  paused: boolean;
  createdAt: number;
}

interface State {
  status: SourceStatus;
  cursor: SourceCursor | null;
  run: SourceRun | null;
  lastRun: SourceRun | null;
  lastSyncedAt: number | null;
  lastError: SourceView['lastError'];
  issues: SourceView['fieldIssues'];
  failures: number;
  nextRunAt: number | null;
}

const EMPTY: State = {
  status: 'idle',
  cursor: null,
  run: null,
  lastRun: null,
  lastSyncedAt: null,
  lastError: null,
  issues: [],
  failures: 0,
  nextRunAt: null,
};

export class SourceObject extends DurableObject<Env> {
  /** Replaced in tests that run inside workerd; production uses the global fetch. */
  fetchImpl: typeof fetch = (input, init) => fetch(input, init);
  now: () => number = () => Date.now();
  private accessToken: { value: string; expiresAt: number } | undefined;
  /** The last catalogue, for the settings it was read under: opening the audience form does not cost CRM calls each time. */
  private catalogued: { sealed: string; at: number; fields: CatalogueField[] } | undefined;
  private running = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Which change of each record was applied last: a record is applied once per change, whether
    // it arrives by webhook and then by the poll, or again after a run died between applying a page
    // and committing its cursor.
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY, modified_at TEXT NOT NULL)');
  }

  private unseen(records: SourceRecord[]): SourceRecord[] {
    return records.filter(
      (r) =>
        this.ctx.storage.sql
          .exec<{ modified_at: string }>('SELECT modified_at FROM applied WHERE id = ?', r.id)
          .toArray()[0]?.modified_at !== r.modifiedAt,
    );
  }

  private markApplied(records: SourceRecord[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const r of records)
        this.ctx.storage.sql.exec(
          'INSERT INTO applied (id, modified_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET modified_at = excluded.modified_at',
          r.id,
          r.modifiedAt,
        );
    });
  }

  private async config(): Promise<Config | undefined> {
    return this.ctx.storage.get<Config>('config');
  }
  private async state(): Promise<State> {
    return { ...EMPTY, ...((await this.ctx.storage.get<State>('state')) ?? {}) };
  }
  private async save(state: State): Promise<void> {
    await this.ctx.storage.put('state', state);
  }

  private async schedule(state: State, at: number): Promise<void> {
    state.nextRunAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  async configure(input: {
    id: string;
    type: SourceType;
    name: string;
    settings: Record<string, unknown>;
    backfillDays?: number | null;
    paused?: boolean;
  }): Promise<Result<SourceView>> {
    if (!connectorFor(input.type))
      return {
        ok: false,
        code: 'source_not_available',
        message: `${input.type} sources are not available in this version`,
      };
    const parsed = settingsSchemas[input.type].safeParse(input.settings);
    if (!parsed.success)
      return {
        ok: false,
        code: 'invalid_settings',
        message: 'the settings are not valid for this source type',
        issues: parsed.error.issues,
      };
    const settings = parsed.data as Record<string, unknown>;
    const endpointIssue = customEndpointsIssue(this.env, {
      endpoint: settings.endpoint as string | undefined,
      tokenEndpoint: settings.tokenEndpoint as string | undefined,
    });
    if (endpointIssue) return { ok: false, code: 'custom_endpoint_not_allowed', message: endpointIssue };
    const before = await this.config();
    if (before && (before.id !== input.id || before.type !== input.type))
      return { ok: false, code: 'conflict', message: 'this object belongs to another source' };
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const now = this.now();
    const cfg: Config = {
      id: input.id,
      type: input.type,
      name: input.name,
      sealed: await encryptCredentials(key, settings, input.id),
      backfillDays: input.backfillDays === undefined ? (before?.backfillDays ?? null) : input.backfillDays,
      paused: input.paused ?? false,
      createdAt: before?.createdAt ?? now,
    };
    this.accessToken = undefined;
    const state = await this.state();
    // New credentials take a stopped source up again.
    if (state.status === 'stopped' || state.status === 'error' || state.status === 'paused')
      state.status = cfg.paused ? 'paused' : 'idle';
    if (cfg.paused) {
      state.status = 'paused';
      state.nextRunAt = null;
      await this.ctx.storage.deleteAlarm();
    } else {
      if (!state.run) state.run = this.newRun(before ? 'manual' : 'created', now);
      await this.schedule(state, now);
    }
    await this.ctx.storage.put({ config: cfg, state });
    return { ok: true, value: (await this.describe())! };
  }

  async update(patch: {
    name?: string;
    settings?: Record<string, unknown>;
    backfillDays?: number | null;
    paused?: boolean;
  }): Promise<Result<SourceView>> {
    const cfg = await this.config();
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such source' };
    const stored = await this.settings(cfg);
    const merged = { ...stored, ...patch.settings };
    // A changed endpoint would receive the stored credentials: they must come with it.
    for (const k of ['endpoint', 'tokenEndpoint']) {
      if (patch.settings && k in patch.settings && patch.settings[k] !== stored[k]) {
        const secrets = ['accessToken', 'refreshToken', 'clientSecret'].filter(
          (s) => s in stored && !(s in patch.settings!),
        );
        if (secrets.length)
          return {
            ok: false,
            code: 'credentials_required',
            message: `changing ${k} requires the credentials again: ${secrets.join(', ')}`,
          };
      }
    }
    for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
    return this.configure({
      id: cfg.id,
      type: cfg.type,
      name: patch.name ?? cfg.name,
      settings: merged,
      backfillDays: patch.backfillDays,
      paused: patch.paused ?? cfg.paused,
    });
  }

  async remove(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  async describe(): Promise<SourceView | null> {
    const cfg = await this.config();
    if (!cfg) return null;
    const s = await this.state();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const cursor = s.cursor
      ? Object.fromEntries(Object.entries(s.cursor).filter(([k]) => k !== 'types' && k !== 'typesAt'))
      : null;
    return {
      id: cfg.id,
      type: cfg.type,
      name: cfg.name,
      settings: maskSourceSettings(cfg.type, await this.settings(cfg)),
      backfillDays: cfg.backfillDays,
      status: cfg.paused ? 'paused' : s.status,
      paused: cfg.paused,
      lastSyncedAt: iso(s.lastSyncedAt),
      cursor,
      currentRun: s.run,
      lastRun: s.lastRun,
      lastError: s.lastError,
      fieldIssues: s.issues,
      nextRunAt: iso(s.nextRunAt),
      createdAt: new Date(cfg.createdAt).toISOString(),
    };
  }

  /** Sync now: the run in progress, or a new one started at once. */
  async requestSync(trigger: SourceRun['trigger'] = 'manual'): Promise<Result<{ jobId: string }>> {
    const cfg = await this.config();
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such source' };
    if (cfg.paused) return { ok: false, code: 'source_paused', message: 'the source is paused; resume it first' };
    const state = await this.state();
    if (!state.run) state.run = this.newRun(trigger, this.now());
    if (state.status === 'stopped' || state.status === 'error') state.status = 'idle';
    await this.schedule(state, this.now());
    await this.save(state);
    return { ok: true, value: { jobId: state.run.jobId } };
  }

  /** Cron's safety net: a live source with no alarm (lost, or never set) gets one. */
  async tick(): Promise<void> {
    const cfg = await this.config();
    if (!cfg || cfg.paused) return;
    const state = await this.state();
    if (state.status === 'stopped') return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.schedule(state, this.now());
      await this.save(state);
    }
  }

  /** The CRM's own field list, for the admin's field picker. */
  async listFields(): Promise<Result<{ name: string; label: string; type: string }[]>> {
    const cfg = await this.config();
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such source' };
    try {
      return { ok: true, value: await connectorFor(cfg.type)!.listFields(await this.context(cfg, null)) };
    } catch (e) {
      return readFailure(e);
    }
  }

  /** The fields this source writes to people, named as audiences name them (`hubspot.lifecyclestage`). */
  async catalogue(): Promise<Result<CatalogueField[]>> {
    const cfg = await this.config();
    if (!cfg) return { ok: false, code: 'not_found', message: 'no such source' };
    const cached = this.catalogued;
    if (cached && cached.sealed === cfg.sealed && this.now() - cached.at < CATALOGUE_TTL_MS)
      return { ok: true, value: cached.fields };
    try {
      const fields = (await connectorFor(cfg.type)!.catalogue(await this.context(cfg, null))).map((f) => ({
        ...f,
        // applyRecords stores every record under the source's type (sources/apply.ts).
        name: `${cfg.type}.${f.name}`,
      }));
      this.catalogued = { sealed: cfg.sealed, at: this.now(), fields };
      return { ok: true, value: fields };
    } catch (e) {
      return readFailure(e);
    }
  }

  /**
   * A HubSpot webhook delivery: the signature checked here (the secret never leaves the object),
   * then the contacts it names read and applied at once. False when the signature does not hold.
   */
  async hubspotWebhook(req: {
    method: string;
    uri: string;
    body: string;
    timestamp: string | undefined;
    signature: string | undefined;
  }): Promise<Result<{ contacts: number; applied: number }>> {
    const cfg = await this.config();
    if (!cfg || cfg.type !== 'hubspot') return { ok: false, code: 'not_found', message: 'no such HubSpot source' };
    const settings = await this.settings(cfg);
    const secret = (settings.webhookSecret ?? settings.clientSecret) as string | undefined;
    if (!secret)
      return {
        ok: false,
        code: 'webhook_not_configured',
        message: "set webhookSecret (the app's client secret) on the source to receive webhooks",
      };
    if (!(await hubspotSignatureValid(secret, req, this.now())))
      return {
        ok: false,
        code: 'invalid_signature',
        message: 'X-HubSpot-Signature-v3 does not match, or the timestamp is more than 5 minutes away',
      };
    let events: unknown;
    try {
      events = JSON.parse(req.body);
    } catch {
      return { ok: false, code: 'invalid_request', message: 'the body is not JSON' };
    }
    const ids = contactIds(events);
    if (!ids.length || cfg.paused) return { ok: true, value: { contacts: ids.length, applied: 0 } };
    const state = await this.state();
    if (state.status === 'stopped') return { ok: true, value: { contacts: ids.length, applied: 0 } };
    try {
      const page = await hubspotContactsById(await this.context(cfg, state.cursor), ids);
      if (page.accessToken) this.accessToken = page.accessToken;
      if (page.tokens) await this.saveTokens(cfg, page.tokens);
      const records = this.unseen(page.records);
      const counts = await applyRecords(this.env, cfg.type, records, this.now());
      this.markApplied(records);
      return { ok: true, value: { contacts: ids.length, applied: counts.applied } };
    } catch (e) {
      // The poll picks the changes up; the error shows on the source as any run's would.
      if (e instanceof SourceError) {
        await this.failed(cfg, e);
        return { ok: true, value: { contacts: ids.length, applied: 0 } };
      }
      throw e;
    }
  }

  override async alarm(): Promise<void> {
    await this.run();
  }

  private newRun(trigger: SourceRun['trigger'], now: number): SourceRun {
    return {
      jobId: jobId(),
      trigger,
      startedAt: new Date(now).toISOString(),
      finishedAt: null,
      read: 0,
      applied: 0,
      rejected: 0,
      suppressed: 0,
      apiCalls: 0,
      pages: 0,
    };
  }

  private async settings(cfg: Config): Promise<Record<string, unknown>> {
    return decryptCredentials<Record<string, unknown>>(
      await importCredentialKey(this.env.ENCRYPTION_KEY),
      cfg.sealed,
      cfg.id,
    );
  }

  private async context(cfg: Config, cursor: SourceCursor | null): Promise<FetchContext> {
    const since =
      cfg.backfillDays === null ? null : new Date(cfg.createdAt - cfg.backfillDays * 86_400_000).toISOString();
    return {
      settings: await this.settings(cfg),
      cursor,
      since,
      fetch: this.fetchImpl,
      now: this.now,
      accessToken: this.accessToken,
    };
  }

  /** One run's worth of pages (or PAGES_PER_ALARM, then the next alarm continues). */
  private async run(): Promise<void> {
    const cfg = await this.config();
    if (!cfg || cfg.paused) return;
    const connector = connectorFor(cfg.type);
    if (!connector) return;
    let state = await this.state();
    if (state.status === 'stopped') return;
    const start = this.now();
    // The lease: held in memory, so an instance that died mid-run (its memory gone with it) never
    // blocks the next run, while a run still going in this instance is never joined by a second.
    if (this.running) return;
    this.running = true;
    try {
      state.run ??= this.newRun('schedule', start);
      state.status = 'running';
      state.nextRunAt = null;
      await this.save(state);
      for (let i = 0; i < PAGES_PER_ALARM; i++) {
        const ctx = await this.context(cfg, state.cursor);
        const page = await connector.fetchPage(ctx);
        if (page.accessToken) this.accessToken = page.accessToken;
        if (page.tokens) await this.saveTokens(cfg, page.tokens);
        const now = this.now();
        const records = this.unseen(page.records);
        const counts = await applyRecords(this.env, cfg.type, records, now);
        this.markApplied(records);
        state = await this.state();
        const run = state.run!;
        run.read += counts.read;
        run.applied += counts.applied;
        run.rejected += counts.rejected;
        run.suppressed += counts.suppressed;
        run.apiCalls += page.apiCalls;
        run.pages++;
        state.cursor = page.cursor;
        state.issues = mergeIssues(state.issues, page.issues, now);
        state.failures = 0;
        if (page.done) {
          run.finishedAt = new Date(now).toISOString();
          state.lastRun = run;
          state.run = null;
          state.lastSyncedAt = now;
          state.lastError = null;
          state.status = 'idle';
          await this.schedule(state, now + SYNC_INTERVAL_MS);
          await this.save(state);
          return;
        }
        await this.save(state);
      }
      state.status = 'running';
      await this.schedule(state, this.now());
      await this.save(state);
    } catch (e) {
      if (e instanceof SourceError && e.tokens) await this.saveTokens(cfg, e.tokens);
      await this.failed(cfg, e);
    } finally {
      this.running = false;
    }
  }

  private async failed(cfg: Config, e: unknown): Promise<void> {
    const state = await this.state();
    const now = this.now();
    const err =
      e instanceof SourceError
        ? e
        : new SourceError(
            'the sync failed inside the collector',
            'transient',
            undefined,
            e instanceof Error ? e.name : undefined,
          );
    if (!(e instanceof SourceError))
      console.error('source run failed', e instanceof Error ? `${e.name}: ${e.message}` : typeof e);
    state.lastError = {
      kind: err.kind,
      message: err.message,
      platformMessage: err.platformMessage ?? null,
      at: new Date(now).toISOString(),
    };
    if (err.kind === 'credentials') {
      // Retrying would only be refused again: stopped until the credentials are entered again.
      state.status = 'stopped';
      state.nextRunAt = null;
      await this.ctx.storage.deleteAlarm();
      await this.save(state);
      await alertSourceCredentials(this.env, this.ctx.storage, cfg.id, cfg.type, err.platformMessage, now);
      return;
    }
    state.failures++;
    state.status = err.kind === 'config' ? 'error' : 'waiting';
    const backoff = Math.min(30 * 60_000, 30_000 * 2 ** Math.min(state.failures - 1, 10));
    const wait =
      err.kind === 'rate_limited' ? (err.retryAfterMs ?? 10_000) : err.kind === 'config' ? SYNC_INTERVAL_MS : backoff;
    await this.schedule(state, now + wait);
    await this.save(state);
  }

  /** Rotated credentials (a new refresh token): saved before anything else, the old one may be revoked. */
  private async saveTokens(cfg: Config, tokens: Record<string, string>): Promise<void> {
    const key = await importCredentialKey(this.env.ENCRYPTION_KEY);
    const settings = { ...(await this.settings(cfg)), ...tokens };
    cfg.sealed = await encryptCredentials(key, settings, cfg.id);
    await this.ctx.storage.put('config', cfg);
  }
}

function mergeIssues(prev: SourceView['fieldIssues'], found: FieldIssue[], now: number): SourceView['fieldIssues'] {
  if (!found.length) return prev;
  const at = new Date(now).toISOString();
  const byField = new Map(prev.map((i) => [i.field, i]));
  for (const f of found) byField.set(f.field, { field: f.field, reason: f.reason, at });
  return [...byField.values()].slice(-MAX_ISSUES);
}

/** A CRM read that failed for a reason the admin can show (bad credentials, rate limit, …); anything else is thrown on. */
function readFailure(e: unknown): Result<never> {
  if (!(e instanceof SourceError)) throw e;
  return {
    ok: false,
    code: `source_${e.kind}`,
    message: e.message + (e.platformMessage ? `: ${e.platformMessage}` : ''),
  };
}
