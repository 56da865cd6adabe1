import { Hono } from 'hono';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { readJsonBody } from '../../middleware/body';
import type { Outcome } from '../../objects/config-audiences';
import { addLadderSend, createLadder, deleteLadder } from '../../ladders/actions';
import { DEFAULT_WEEKS, MAX_WEEKS, ladderStats } from '../../ladders/stats';
import { configObject } from '../../objects/doors';

// Stage ladders (docs/audiences.md, "Stage ladders"): an ordered list of audiences, each stage its
// own event or conversion action, with per-stage weekly counts and the rarity advice.
export const ladders = new Hono<AppContext>();

const MAX_BODY = 256 * 1024;

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.code === 'not_found') throw new ApiError(404, 'not_found', 'no such ladder');
  const first = outcome.issues?.[0];
  throw new ApiError(
    400,
    'invalid_ladder',
    first ? `${first.path}: ${first.message}` : 'invalid ladder',
    outcome.issues,
  );
}

function weeksOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_WEEKS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WEEKS)
    throw new ApiError(400, 'invalid_weeks', `weeks must be an integer from 1 to ${MAX_WEEKS}`);
  return n;
}

ladders.post('/', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const { ladder, createdAudiences } = unwrap(await createLadder(c.env, body, c.get('now')));
  return c.json({ ...ladder, createdAudiences }, 201);
});

ladders.get('/', async (c) => c.json({ ladders: await configObject(c.env).listLadders() }));

ladders.get('/:id', async (c) => {
  const weeks = weeksOf(c.req.query('weeks'));
  const ladder = await configObject(c.env).getLadder(c.req.param('id'));
  if (!ladder) throw new ApiError(404, 'not_found', 'no such ladder');
  const stats = await ladderStats(c.env, ladder, c.get('now'), weeks);
  return c.json({
    ...ladder,
    weeks: stats.weeks.map((ms) => new Date(ms).toISOString()),
    optimizeOn: stats.optimizeOn,
    stages: stats.stages,
  });
});

ladders.patch('/:id', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  return c.json(unwrap(await configObject(c.env).updateLadder(c.req.param('id'), body, c.get('now'))));
});

ladders.delete('/:id', async (c) => {
  const raw = c.req.query('deleteAudiences');
  if (raw !== undefined && raw !== 'true' && raw !== 'false')
    throw new ApiError(400, 'invalid_query', 'deleteAudiences must be true or false');
  const out = await deleteLadder(c.env, c.req.param('id'), { withAudiences: raw === 'true' }, c.get('now'));
  if (!out) throw new ApiError(404, 'not_found', 'no such ladder');
  return c.json({ deleted: true, id: out.ladder.id, deletedAudiences: out.deletedAudiences });
});

// One more destination for every stage: a conversion per stage, checked like a new ladder's.
ladders.post('/:id/send', async (c) => {
  const body = await readJsonBody(c, MAX_BODY);
  const out = unwrap(await addLadderSend(c.env, c.req.param('id'), body, c.get('now')));
  return c.json(out, 201);
});
