import { Hono } from 'hono';
import type { AdminContext } from '../../admin/context';
import { DailyChart } from '../../admin/components/daily-chart';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { overview } from '../../admin/overview-data';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';
import { CoveragePanel } from '../../admin/components/coverage-panel';
import { COVERAGE_WEEKS, coverageOverview } from '../../conversions/coverage';

export const overviewPage = new Hono<AdminContext>();

const PLATFORM_NAMES: Record<string, string> = {
  google: 'Google',
  meta: 'Meta',
  microsoft: 'Microsoft',
  linkedin: 'LinkedIn',
  tiktok: 'TikTok',
  other: 'Other',
};
const STATUS_ORDER = [
  'queued',
  'leased',
  'pending_confirmation',
  'sent',
  'unmatched',
  'failed',
  'dead_letter',
  'skipped',
];

overviewPage.get('/', async (c) => {
  const [o, coverage] = await Promise.all([
    overview(c.env, c.var.now),
    coverageOverview(c.env, COVERAGE_WEEKS, c.var.now),
  ]);
  const statuses = Object.entries(o.conversions).sort(([a], [b]) => STATUS_ORDER.indexOf(a) - STATUS_ORDER.indexOf(b));
  return c.html(
    <Layout title="Overview" view={viewOf(c, '/overview')}>
      {o.destinationsError && <Notice kind="error">The destinations could not be read: {o.destinationsError}</Notice>}
      <dl class="stats">
        <div>
          <dt>People</dt>
          <dd id="stat-people">{o.people}</dd>
        </div>
        <div>
          <dt>New this week</dt>
          <dd id="stat-new">{o.newThisWeek}</dd>
        </div>
        <div>
          <dt>Identified this week</dt>
          <dd id="stat-identified">{o.identifiedThisWeek}</dd>
        </div>
        <div>
          <dt>Click IDs stored</dt>
          <dd id="stat-clicks">{o.clicks.reduce((a, p) => a + p.total, 0)}</dd>
        </div>
      </dl>
      <p class="hint">
        “This week” is the last 7 days. Identified: a browser or Segment identify. Counts follow the people index, a
        moment behind the latest events.
      </p>
      <div class="columns">
        <section aria-labelledby="clicks">
          <h2 id="clicks">Click IDs by platform</h2>
          {o.clicks.length === 0 ? (
            <p class="muted">None stored yet.</p>
          ) : (
            <DataTable head={['Platform', 'Click IDs', 'By kind']} id="clicks-table">
              {o.clicks.map((p) => (
                <tr>
                  <th scope="row">{PLATFORM_NAMES[p.platform] ?? p.platform}</th>
                  <td>{p.total}</td>
                  <td>
                    {Object.entries(p.kinds)
                      .map(([k, n]) => `${k} ${n}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
        <section aria-labelledby="by-status">
          <h2 id="by-status">Conversions by status</h2>
          {statuses.length === 0 ? (
            <p class="muted">
              None yet. <a href={`${c.var.base}/destinations`}>Add a destination</a>, then turn a conversion on for an
              audience.
            </p>
          ) : (
            <DataTable head={['Status', 'Conversions']} id="status-table">
              {statuses.map(([s, n]) => (
                <tr>
                  <th scope="row">
                    <a href={`${c.var.base}/conversions?status=${encodeURIComponent(s)}`}>{s}</a>
                  </th>
                  <td>{n}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
      </div>
      <h2>Conversions per day</h2>
      <DailyChart days={o.chart.days} series={o.chart.series} />
      <CoveragePanel coverage={coverage} base={c.var.base} />
    </Layout>,
  );
});
