import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { MembershipChange } from '../audiences/types';
import { AudienceStore, type JobReason } from './config-audiences';

/** The deployment's configuration (singleton). Audience storage lives in config-audiences.ts. */
export class ConfigObject extends DurableObject<Env> {
  private readonly audiences: AudienceStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.audiences = new AudienceStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
  }

  // Audiences, conversion configs, populate jobs, members index (ARCHITECTURE.md §4).
  createAudience(input: unknown, now: number) { return this.audiences.createAudience(input, now); }
  getAudience(id: string) { return this.audiences.getAudience(id); }
  listAudiences() { return this.audiences.listAudiences(); }
  updateAudience(id: string, patch: unknown, now: number) { return this.audiences.updateAudience(id, patch, now); }
  deleteAudience(id: string) { return this.audiences.deleteAudience(id); }
  createConversion(audienceId: string, input: unknown, now: number) { return this.audiences.createConversion(audienceId, input, now); }
  getConversion(audienceId: string, id: string) { return this.audiences.getConversion(audienceId, id); }
  listConversions(audienceId?: string) { return this.audiences.listConversions(audienceId); }
  updateConversion(audienceId: string, id: string, patch: unknown, now: number) { return this.audiences.updateConversion(audienceId, id, patch, now); }
  deleteConversion(audienceId: string, id: string) { return this.audiences.deleteConversion(audienceId, id); }
  audienceConfig() { return this.audiences.audienceConfig(); }
  createAudienceJob(audienceId: string, version: number, reason: JobReason, total: number, shards: number, now: number) { return this.audiences.createJob(audienceId, version, reason, total, shards, now); }
  getAudienceJob(id: string) { return this.audiences.getJob(id); }
  latestAudienceJob(audienceId: string) { return this.audiences.latestJob(audienceId); }
  audienceJobShard(jobId: string, shard: number) { return this.audiences.jobShard(jobId, shard); }
  advanceAudienceJob(jobId: string, shard: number, from: string, next: string | null, evaluated: number, members: number, now: number) { return this.audiences.advanceJob(jobId, shard, from, next, evaluated, members, now); }
  recordMembership(personKey: string, changes: MembershipChange[]) { return this.audiences.recordMembership(personKey, changes); }
  recordMemberships(batch: { personKey: string; changes: MembershipChange[] }[]) { return this.audiences.recordMemberships(batch); }
  listMembers(audienceId: string, cursor: string, limit: number) { return this.audiences.listMembers(audienceId, cursor, limit); }
  countMembers(audienceId: string) { return this.audiences.countMembers(audienceId); }
  registerKnownPerson(shard: number, personKey: string, now: number) { return this.audiences.registerPerson(shard, personKey, now); }
  listKnownPeople(shard: number, cursor: string, limit: number) { return this.audiences.listKnownPeople(shard, cursor, limit); }
  countKnownPeople() { return this.audiences.countKnownPeople(); }
}

/** The singleton ConfigObject. */
export function configObject(env: Env) {
  return env.CONFIG.get(env.CONFIG.idFromName('config'));
}
