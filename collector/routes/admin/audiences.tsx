import { Hono } from 'hono';
import { logChange } from '../../admin/change-log';
import { audienceSummary, createAudience } from '../../admin/audience-actions';
import { EMPTY_AUDIENCE, readAudienceForm } from '../../admin/audience-form-data';
import { AudienceForm } from '../../admin/components/audience-form';
import { catalogueFor } from '../../admin/audience-catalogue';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { PopulateProgress } from '../../admin/components/populate-progress';
import type { AdminContext } from '../../admin/context';
import { audiencePages } from './audience';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';
import { configObject } from '../../objects/doors';

export const audiencesPages = new Hono<AdminContext>();

audiencesPages.get('/', async (c) => {
  const list = await configObject(c.env).listAudiences();
  const summaries = await Promise.all(list.map((a) => audienceSummary(c.env, a)));
  const done =
    c.req.query('done') === 'deleted' ? 'The audience was deleted; its unsent conversions are cancelled.' : null;
  return c.html(
    <Layout title="Audiences" view={viewOf(c, '/audiences')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <div class="actions">
        <a class="button" href={`${c.var.base}/audiences/new`}>
          New audience
        </a>
      </div>
      {summaries.length === 0 ? (
        <p class="muted">No audiences yet.</p>
      ) : (
        <DataTable head={['Name', 'Members', 'Window', 'Conversions', 'Populate']}>
          {summaries.map((s) => (
            <tr>
              <td>
                <a href={`${c.var.base}/audiences/${encodeURIComponent(s.audience.id)}`}>{s.audience.name}</a>{' '}
                {s.audience.paused && <span class="badge">paused</span>}
              </td>
              <td>{s.members}</td>
              <td>
                <code>{s.audience.timestamp.field}</code> within {s.audience.timestamp.withinDays} d
              </td>
              <td>
                {s.conversions.length === 0 ? (
                  <span class="muted">none (nothing is sent)</span>
                ) : (
                  s.conversions.map((cv) => cv.destinationId + (cv.paused ? ' (paused)' : '')).join(', ')
                )}
              </td>
              <td>
                <PopulateProgress job={s.populate} compact />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Layout>,
  );
});

audiencesPages.get('/new', async (c) =>
  c.html(
    <Layout title="New audience" view={viewOf(c, '/audiences')}>
      <AudienceForm
        action={`${c.var.base}/audiences/new`}
        csrf={c.var.csrf}
        values={EMPTY_AUDIENCE}
        submit="Create audience"
        catalogue={await catalogueFor(c.env)}
      />
    </Layout>,
  ),
);

audiencesPages.post('/new', async (c) => {
  const { values, body, issues } = readAudienceForm(await c.req.parseBody());
  const out = body === undefined ? null : await createAudience(c.env, body, c.var.now);
  if (!out || !out.ok) {
    return c.html(
      <Layout title="New audience" view={viewOf(c, '/audiences')}>
        <AudienceForm
          action={`${c.var.base}/audiences/new`}
          csrf={c.var.csrf}
          values={values}
          issues={out && !out.ok ? (out.issues ?? []) : issues}
          submit="Create audience"
          catalogue={await catalogueFor(c.env)}
        />
      </Layout>,
      400,
    );
  }
  await logChange(c, 'audience.created', `${out.value.name} (${out.value.id})`);
  return c.redirect(`${c.var.base}/audiences/${encodeURIComponent(out.value.id)}?done=created`, 303);
});

audiencesPages.route('/', audiencePages);
