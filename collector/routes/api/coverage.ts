// GET /api/coverage?weeks=8: match coverage per destination and week, the mean score and the missing
// key that would lift it most (docs/delivery.md, "Match coverage").
import { Hono } from 'hono';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { COVERAGE_WEEKS, COVERAGE_WEEKS_MAX, coverageOverview } from '../../conversions/coverage';

export const coverage = new Hono<AppContext>();

coverage.get('/', async (c) => {
  const raw = c.req.query('weeks');
  const weeks = raw === undefined ? COVERAGE_WEEKS : Number(raw);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > COVERAGE_WEEKS_MAX)
    throw new ApiError(400, 'invalid_query', `weeks is a whole number 1..${COVERAGE_WEEKS_MAX}`);
  return c.json(await coverageOverview(c.env, weeks, c.var.now));
});
