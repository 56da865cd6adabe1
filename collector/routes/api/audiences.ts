import { Hono } from 'hono';
import type { AppContext, Env } from '../../env';
import { ApiError } from '../../http-error';
import { readJsonBody } from '../../middleware/body';
import { invalidateAudienceConfig } from '../../audiences/config-cache';
import { startPopulate } from '../../audiences/populate';
import type { StoredAudience } from '../../audiences/types';
import type { JobStatus, Outcome } from '../../objects/config-audiences';
import { auditPage } from '../../audiences/audit';
import { configObject } from '../../objects/doors';
import { audienceFields } from '../../services/audience-fields';

export const audiences = new Hono<AppContext>();

const MAX_BODY = 64 * 1024;
const MEMBERS_PAGE = 50;
const MEMBERS_PAGE_MAX = 200;

function unwrap<T>(outcome: Outcome<T>, what: string): T {
  if (outcome.ok) return outcome.value;
  if (outcome.code === 'not_found') throw new ApiError(404, 'not_found', `no such ${what}`);
  const first = outcome.issues?.[0];
  throw new ApiError(
    400,
    `invalid_${what}`,
    first ? `${first.path}: ${first.message}` : `invalid ${what}`,
    outcome.issues,
  );
}

async function mustGet(env: Env, id: string): Promise<StoredAudience> {
  const audience = await configObject(env).getAudience(id);
  if (!audience) throw new ApiError(404, 'not_found', 'no such audience');
  return audience;
}

function progress(job: JobStatus | null) {
  if (!job) return null;
  const { id, status, reason, total, evaluated, failed, members, createdAt, finishedAt } = job;
  return { jobId: id, status, reason, evaluated, failed, total, members, startedAt: createdAt, finishedAt };
}

async function present(env: Env, audience: StoredAudience, job?: JobStatus | null) {
  const config = configObject(env);
  const [latest, members, conversions] = await Promise.all([
    job === undefined ? config.latestAudienceJob(audience.id) : job,
    config.countMembers(audience.id),
    config.listConversions(audience.id),
  ]);
  return { ...audience, members, conversions, populate: progress(latest) };
}

audiences.post('/', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const now = c.get('now');
  const audience = unwrap(await configObject(c.env).createAudience(body, now), 'audience');
  invalidateAudienceConfig();
  const job = await startPopulate(c.env, audience.id, audience.version, 'created', now);
  return c.json(await present(c.env, audience, job), 201);
});

audiences.get('/', async (c) => {
  const list = await configObject(c.env).listAudiences();
  return c.json({ audiences: await Promise.all(list.map((a) => present(c.env, a))) });
});

// The synced CRM fields an audience can name, with their types (before /:id, which would take it).
audiences.get('/fields', async (c) => c.json(await audienceFields(c.env)));

audiences.get('/:id', async (c) => c.json(await present(c.env, await mustGet(c.env, c.req.param('id')))));

audiences.patch('/:id', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const now = c.get('now');
  const { audience, repopulate } = unwrap(
    await configObject(c.env).updateAudience(c.req.param('id'), body, now),
    'audience',
  );
  invalidateAudienceConfig();
  const job = repopulate ? await startPopulate(c.env, audience.id, audience.version, 'edited', now) : undefined;
  return c.json(await present(c.env, audience, job));
});

audiences.delete('/:id', async (c) => {
  const id = c.req.param('id');
  const deleted = await configObject(c.env).deleteAudience(id);
  if (!deleted) throw new ApiError(404, 'not_found', 'no such audience');
  invalidateAudienceConfig();
  // Each member's PersonObject cancels the audience's unsent conversion rows on this sweep.
  const job = await startPopulate(c.env, id, deleted.version, 'deleted', c.get('now'));
  return c.json({ deleted: true, id, sweep: progress(job) });
});

audiences.get('/:id/members', async (c) => {
  const audience = await mustGet(c.env, c.req.param('id'));
  const cursor = c.req.query('cursor') ?? '';
  const limitRaw = c.req.query('limit');
  const limit = limitRaw === undefined ? MEMBERS_PAGE : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMBERS_PAGE_MAX) {
    throw new ApiError(400, 'invalid_limit', `limit must be an integer from 1 to ${MEMBERS_PAGE_MAX}`);
  }
  if (cursor.length > 128) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned');
  const page = await auditPage(c.env, audience.id, cursor, limit, c.get('now'));
  const members = page.members.map(({ personKey: _key, timestamp, ...rest }) => ({
    ...rest,
    timestamp: timestamp === null ? null : new Date(timestamp * 1000).toISOString(),
    timestampSeconds: timestamp,
  }));
  const next = page.next;
  return c.json({ audienceId: audience.id, members, cursor: next });
});

// --- conversions (go-live) --------------------------------------------------------------------

audiences.post('/:id/conversions', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const now = c.get('now');
  const audience = await mustGet(c.env, c.req.param('id'));
  const conversion = unwrap(await configObject(c.env).createConversion(audience.id, body, now), 'conversion');
  invalidateAudienceConfig();
  // Existing entries get their rows (or skips) on this sweep; later entries as they happen.
  const job = await startPopulate(c.env, audience.id, audience.version, 'conversion', now);
  return c.json({ ...conversion, sweep: progress(job) }, 201);
});

audiences.get('/:id/conversions', async (c) => {
  const audience = await mustGet(c.env, c.req.param('id'));
  return c.json({ conversions: await configObject(c.env).listConversions(audience.id) });
});

audiences.get('/:id/conversions/:cid', async (c) => {
  const conversion = await configObject(c.env).getConversion(c.req.param('id'), c.req.param('cid'));
  if (!conversion) throw new ApiError(404, 'not_found', 'no such conversion');
  return c.json(conversion);
});

audiences.patch('/:id/conversions/:cid', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const now = c.get('now');
  const config = configObject(c.env);
  const before = await config.getConversion(c.req.param('id'), c.req.param('cid'));
  const conversion = unwrap(
    await config.updateConversion(c.req.param('id'), c.req.param('cid'), body, now),
    'conversion',
  );
  invalidateAudienceConfig();
  // Pause and resume change which rows wait; everyone with rows is swept.
  const audience = await mustGet(c.env, conversion.audienceId);
  const job =
    before?.paused !== conversion.paused
      ? await startPopulate(c.env, audience.id, audience.version, 'conversion', now)
      : null;
  return c.json({ ...conversion, sweep: progress(job) });
});

audiences.delete('/:id/conversions/:cid', async (c) => {
  const audience = await mustGet(c.env, c.req.param('id'));
  if (!(await configObject(c.env).deleteConversion(audience.id, c.req.param('cid'))))
    throw new ApiError(404, 'not_found', 'no such conversion');
  invalidateAudienceConfig();
  const job = await startPopulate(c.env, audience.id, audience.version, 'conversion', c.get('now'));
  return c.json({ deleted: true, id: c.req.param('cid'), sweep: progress(job) });
});
