import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from './sql';
import { configSchema } from './config-schema';
import { ApiKeyStore, type ApiKeyRecord, type NewApiKey } from './config-keys';
import { JobStore, type JobProgress } from './config-jobs';
import type { Job, JobFailure } from '../../shared/schemas/people';
import type { AudienceConfig, MembershipChange } from '../audiences/types';
import type { IdentityMapping } from '../../shared/schemas/identity-mapping';
import { AudienceStore, type JobReason } from './config-audiences';
import { AdminStore, type NewChangeLogEntry } from './config-admin';
import { LadderStore } from './config-ladders';

/** The settings row holding the origins added in the admin (JSON array of origin patterns). */
export const ALLOWED_ORIGINS_SETTING = 'allowed_origins';
/** The settings row holding the deployment's identity mapping (JSON, validated by identityMappingSchema). */
export const IDENTITY_MAPPING_SETTING = 'identity_mapping';
import { DestinationRegistry } from './config-destinations';
import type { DestinationType } from '../../shared/schemas/destinations';

const SOURCES_SETTING = 'sources';
export const MAX_SOURCES = 20;
export interface SourceRef {
  id: string;
  type: 'hubspot' | 'salesforce';
  name: string;
  createdAt: number;
}

/**
 * The deployment's configuration (singleton): API keys and their scopes or origins, job progress,
 * settings, audiences. Read through a per-isolate cache (collector/keys.ts), never once per request.
 */
export class ConfigObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly keyStore: ApiKeyStore;
  private readonly jobStore: JobStore;
  private readonly audiences: AudienceStore;
  private readonly admin: AdminStore;
  private readonly destinations: DestinationRegistry;
  private readonly ladders: LadderStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, configSchema);
    this.keyStore = new ApiKeyStore(this.sql);
    this.jobStore = new JobStore(this.sql);
    this.audiences = new AudienceStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    this.admin = new AdminStore(ctx.storage.sql);
    this.destinations = new DestinationRegistry(ctx.storage.sql);
    this.ladders = new LadderStore(
      ctx.storage.sql,
      (fn) => ctx.storage.transactionSync(fn),
      this.audiences,
      this.destinations,
    );
  }

  // The list of destinations (config-destinations.ts); their settings live sealed in each DestinationObject.
  addDestination(ref: { id: string; type: DestinationType; name: string }, now: number) {
    return this.destinations.add(ref, now);
  }
  renameDestination(id: string, name: string) {
    this.destinations.rename(id, name);
  }
  /** Marks it deleted and removes the conversions sending to it, in one transaction; returns those conversions. */
  markDestinationDeleted(id: string, now: number) {
    return this.ctx.storage.transactionSync(() => {
      this.destinations.markDeleted(id, now);
      return this.audiences.deleteConversionsTo(id);
    });
  }
  listDestinations(options: { includeDeleted?: boolean } = {}) {
    return this.destinations.list(options);
  }

  // The list of CRM sources (ids, types, names); their settings live sealed in each SourceObject.
  listSources(): SourceRef[] {
    return JSON.parse(this.setting(SOURCES_SETTING) ?? '[]') as SourceRef[];
  }
  /** Adds a source; false when the deployment already has MAX_SOURCES. */
  addSource(ref: SourceRef): boolean {
    const list = this.listSources().filter((s) => s.id !== ref.id);
    if (list.length >= MAX_SOURCES) return false;
    this.setSetting(SOURCES_SETTING, JSON.stringify([...list, ref]));
    return true;
  }
  renameSource(id: string, name: string) {
    this.setSetting(SOURCES_SETTING, JSON.stringify(this.listSources().map((s) => (s.id === id ? { ...s, name } : s))));
  }
  removeSource(id: string) {
    this.setSetting(SOURCES_SETTING, JSON.stringify(this.listSources().filter((s) => s.id !== id)));
  }

  listKeys(): ApiKeyRecord[] {
    return this.keyStore.list();
  }

  /** What the per-isolate access cache holds (collector/keys.ts): the keys and the admin's allowed origins, in one read. */
  accessConfig(): { keys: ApiKeyRecord[]; origins: string[] } {
    return { keys: this.keyStore.list(), origins: this.allowedOrigins() };
  }

  allowedOrigins(): string[] {
    const raw = this.setting(ALLOWED_ORIGINS_SETTING);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  setAllowedOrigins(origins: string[]): void {
    this.setSetting(ALLOWED_ORIGINS_SETTING, origins.length ? JSON.stringify(origins) : null);
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

  recordJobFailures(jobId: string, failures: Omit<JobFailure, 'failedAt'>[], now: number): number {
    return this.ctx.storage.transactionSync(() => this.jobStore.recordFailures(jobId, failures, now));
  }

  clearJobFailures(jobId: string, emails: string[], now: number): number {
    return this.ctx.storage.transactionSync(() => this.jobStore.clearFailures(jobId, emails, now));
  }

  forgetJobFailuresOf(email: string): number {
    return this.jobStore.forgetFailuresOf(email);
  }

  job(id: string): Job | null {
    return this.jobStore.get(id);
  }

  setting(name: string): string | null {
    return (
      this.sql.exec<{ value: string }>('SELECT value FROM settings WHERE name = ?', name).toArray()[0]?.value ?? null
    );
  }

  setSetting(name: string, value: string | null): void {
    if (value === null) this.sql.exec('DELETE FROM settings WHERE name = ?', name);
    else
      this.sql.exec(
        'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
        name,
        value,
      );
  }

  // Audiences, conversion configs, populate jobs, members index (config-audiences.ts, ARCHITECTURE.md §4).
  createAudience(input: unknown, now: number) {
    return this.audiences.createAudience(input, now);
  }
  getAudience(id: string) {
    return this.audiences.getAudience(id);
  }
  listAudiences() {
    return this.audiences.listAudiences();
  }
  updateAudience(id: string, patch: unknown, now: number) {
    return this.audiences.updateAudience(id, patch, now);
  }
  deleteAudience(id: string) {
    return this.audiences.deleteAudience(id);
  }
  createConversion(audienceId: string, input: unknown, now: number) {
    return this.audiences.createConversion(audienceId, input, now, (id) => this.destinations.state(id));
  }
  getConversion(audienceId: string, id: string) {
    return this.audiences.getConversion(audienceId, id);
  }
  listConversions(audienceId?: string) {
    return this.audiences.listConversions(audienceId);
  }
  updateConversion(audienceId: string, id: string, patch: unknown, now: number) {
    return this.audiences.updateConversion(audienceId, id, patch, now);
  }
  deleteConversion(audienceId: string, id: string) {
    return this.audiences.deleteConversion(audienceId, id);
  }
  audienceConfig(): AudienceConfig {
    return { ...this.audiences.audienceConfig(), identityMapping: this.identityMapping() };
  }
  /** The deployment's identity mapping over the defaults (audiences/identity-mapping.ts); null when none is saved. */
  identityMapping(): IdentityMapping | null {
    const raw = this.setting(IDENTITY_MAPPING_SETTING);
    return raw ? (JSON.parse(raw) as IdentityMapping) : null;
  }
  /** Saves (null: back to the defaults) and bumps the audience config version, so every isolate's cache refreshes. */
  setIdentityMapping(mapping: IdentityMapping | null): void {
    this.ctx.storage.transactionSync(() => {
      this.setSetting(
        IDENTITY_MAPPING_SETTING,
        mapping && Object.keys(mapping).length ? JSON.stringify(mapping) : null,
      );
      this.audiences.bumpConfigVersion();
    });
  }
  createAudienceJob(
    audienceId: string,
    version: number,
    reason: JobReason,
    total: number,
    shards: number,
    now: number,
  ) {
    return this.audiences.createJob(audienceId, version, reason, total, shards, now);
  }
  getAudienceJob(id: string) {
    return this.audiences.getJob(id);
  }
  latestAudienceJob(audienceId: string) {
    return this.audiences.latestJob(audienceId);
  }
  audienceJobShard(jobId: string, shard: number) {
    return this.audiences.jobShard(jobId, shard);
  }
  advanceAudienceJob(
    jobId: string,
    shard: number,
    from: string,
    next: string | null,
    evaluated: number,
    members: number,
    now: number,
    failed = 0,
  ) {
    return this.audiences.advanceJob(jobId, shard, from, next, evaluated, members, now, failed);
  }
  nudgeStalledAudienceJobs(staleBefore: number, now: number) {
    return this.audiences.nudgeStalledJobs(staleBefore, now);
  }
  recordMembership(personKey: string, changes: MembershipChange[]) {
    return this.audiences.recordMembership(personKey, changes);
  }
  recordMemberships(batch: { personKey: string; changes: MembershipChange[] }[]) {
    return this.audiences.recordMemberships(batch);
  }
  forgetMember(personKey: string) {
    return this.audiences.forgetMember(personKey);
  }
  listMembers(audienceId: string, cursor: string, limit: number) {
    return this.audiences.listMembers(audienceId, cursor, limit);
  }
  countMembers(audienceId: string) {
    return this.audiences.countMembers(audienceId);
  }

  // Stage ladders (config-ladders.ts): ordered audiences, created with their conversions in one transaction.
  createLadder(input: unknown, now: number) {
    return this.ladders.create(input, now);
  }
  getLadder(id: string) {
    return this.ladders.get(id);
  }
  listLadders() {
    return this.ladders.list();
  }
  updateLadder(id: string, patch: unknown, now: number) {
    return this.ladders.update(id, patch, now);
  }
  addLadderSend(id: string, input: unknown, now: number) {
    return this.ladders.addSend(id, input, now);
  }
  deleteLadder(id: string, options: { withAudiences: boolean }) {
    return this.ladders.delete(id, options);
  }

  // The change log of the admin (config-admin.ts).
  recordChange(entry: NewChangeLogEntry) {
    return this.admin.recordChange(entry);
  }
  listChanges(before: number | null, limit: number) {
    return this.admin.listChanges(before, limit);
  }
}
