import { Hono, type Context } from 'hono';
import { endpointPolicy } from '../../security/custom-endpoints';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { DestinationDetail, StatusCounts, type TestResult } from '../../admin/components/destination-detail';
import { DestinationForm } from '../../admin/components/destination-form';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { PLATFORM_FORMS, platformForm, platformLabel, type PlatformForm } from '../../admin/destination-fields';
import {
  createBody,
  patchBody,
  readDestinationForm,
  valuesOf,
  withoutSecrets,
  type DestinationFormValues,
} from '../../admin/destination-form-data';
import { destinationsApi, type ApiIssue } from '../../admin/destinations-api';
import { ApiError } from '../../http-error';
import type { DestinationView } from '../../objects/destination-types';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';

export const destinationsPages = new Hono<AdminContext>();

const DONE: Record<string, string> = {
  created: 'Destination saved. Nothing is sent to it until an audience turns a conversion on for it.',
  saved: 'Destination saved.',
  paused: 'Destination paused: conversions wait in its outbox until you resume it.',
  resumed: 'Destination resumed.',
  deleted:
    'Destination deleted; its unsent conversions were cancelled and the audience conversions sending to it were turned off.',
};

// Shown where the deployment allows custom endpoints at all (security/custom-endpoints.ts decides which URLs).
const customEndpoints = (c: Context<AdminContext>) => endpointPolicy(c.env) !== 'off';
const path = (c: Context<AdminContext>, id: string) => `${c.var.base}/destinations/${encodeURIComponent(id)}`;

async function mustGet(c: Context<AdminContext>): Promise<{ view: DestinationView; platform: PlatformForm }> {
  const out = await destinationsApi.get(c.env, c.req.param('id')!, c.var.now);
  if (!out.ok) throw new ApiError(404, 'not_found', 'There is no such destination. It may have been deleted.');
  const platform = platformForm(out.value.type);
  if (!platform) throw new ApiError(404, 'not_found', 'This destination is of a type the admin does not know.');
  return { view: out.value, platform };
}

destinationsPages.get('/', async (c) => {
  const out = await destinationsApi.list(c.env, c.var.now);
  const list = out.ok ? out.value.destinations : [];
  const done = DONE[c.req.query('done') ?? ''];
  return c.html(
    <Layout title="Destinations" view={viewOf(c, '/destinations')}>
      {done && <Notice kind="ok">{done}</Notice>}
      {!out.ok && <Notice kind="error">The destinations could not be listed: {out.message}</Notice>}
      <p>
        Where conversions go. Each destination starts in dry run: the exact request is built and kept in the conversions
        log, and nothing is sent until you switch it to live.
      </p>
      {list.length === 0 ? (
        <p class="muted">No destinations yet.</p>
      ) : (
        <DataTable head={['Name', 'Platform', 'Mode', 'Conversions']}>
          {list.map((d) => (
            <tr>
              <td>
                <a href={path(c, d.id)}>{d.name || d.id}</a> {d.paused && <span class="badge">paused</span>}
              </td>
              <td>{platformLabel(d.type)}</td>
              <td>
                <code>{d.mode}</code>
              </td>
              <td>
                <StatusCounts counts={d.counts} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <h2>Add a destination</h2>
      <ul>
        {PLATFORM_FORMS.map((p) => (
          <li>
            <a href={`${c.var.base}/destinations/new/${p.type}`}>{p.label}</a>: <span class="muted">{p.intro}</span>
          </li>
        ))}
      </ul>
    </Layout>,
  );
});

function formPage(
  c: Context<AdminContext>,
  platform: PlatformForm,
  values: DestinationFormValues,
  status: 200 | 400,
  issues?: ApiIssue[],
  message?: string,
) {
  return c.html(
    <Layout title={`New destination: ${platform.label}`} view={viewOf(c, '/destinations')}>
      <DestinationForm
        platform={platform}
        action={`${c.var.base}/destinations/new/${platform.type}`}
        csrf={c.var.csrf}
        values={values}
        issues={issues}
        message={message}
        customEndpoints={customEndpoints(c)}
        submit="Save destination"
      />
    </Layout>,
    status,
  );
}

function mustPlatform(c: Context<AdminContext>): PlatformForm {
  const platform = platformForm(c.req.param('type') ?? '');
  if (!platform) throw new ApiError(404, 'not_found', 'There is no such platform.');
  return platform;
}

destinationsPages.get('/new/:type', (c) => {
  const platform = mustPlatform(c);
  return formPage(c, platform, { name: '', mode: 'dry_run', settings: {}, endpoint: '', tokenEndpoint: '' }, 200);
});

destinationsPages.post('/new/:type', async (c) => {
  const platform = mustPlatform(c);
  const values = readDestinationForm(platform, await c.req.parseBody());
  const out = await destinationsApi.create(c.env, createBody(platform, values, customEndpoints(c)), c.var.now);
  if (!out.ok)
    return formPage(
      c,
      platform,
      withoutSecrets(platform.type, values),
      400,
      out.issues.length ? out.issues : [{ path: '(form)', message: out.message }],
      out.message,
    );
  await logChange(
    c,
    'destination.created',
    `${out.value.name} (${out.value.id})`,
    `${platform.label}, ${out.value.mode}`,
  );
  return c.redirect(`${path(c, out.value.id)}?done=created`, 303);
});

function detailPage(
  c: Context<AdminContext>,
  view: DestinationView,
  platform: PlatformForm,
  test?: { email: string; result: TestResult },
) {
  const done = DONE[c.req.query('done') ?? ''];
  return c.html(
    <Layout title={view.name || view.id} view={viewOf(c, '/destinations')}>
      {done && !test && <Notice kind="ok">{done}</Notice>}
      <DestinationDetail
        path={path(c, view.id)}
        base={c.var.base}
        csrf={c.var.csrf}
        view={view}
        platform={platform}
        test={test}
      />
    </Layout>,
  );
}

destinationsPages.get('/:id', async (c) => {
  const { view, platform } = await mustGet(c);
  return detailPage(c, view, platform);
});

destinationsPages.post('/:id/test', async (c) => {
  const { view, platform } = await mustGet(c);
  const form = await c.req.parseBody();
  const email = typeof form.email === 'string' ? form.email.trim().slice(0, 254) : '';
  const out = await destinationsApi.test(c.env, view.id, email ? { email } : {}, c.var.now);
  await logChange(
    c,
    'destination.test_sent',
    `${view.name} (${view.id})`,
    out.ok ? `outcome ${out.value.outcome.status}` : `refused: ${out.code}`,
  );
  return detailPage(c, view, platform, {
    email,
    result: out.ok ? { ok: true, value: out.value } : { ok: false, message: out.message },
  });
});

function editPage(
  c: Context<AdminContext>,
  view: DestinationView,
  platform: PlatformForm,
  values: DestinationFormValues,
  status: 200 | 400,
  issues?: ApiIssue[],
  message?: string,
) {
  return c.html(
    <Layout title={`Edit ${view.name || view.id}`} view={viewOf(c, '/destinations')}>
      <DestinationForm
        platform={platform}
        action={`${path(c, view.id)}/edit`}
        csrf={c.var.csrf}
        values={values}
        issues={issues}
        message={message}
        existing={view}
        customEndpoints={customEndpoints(c)}
        submit="Save destination"
      />
      <p>
        <a href={path(c, view.id)}>Cancel</a>
      </p>
    </Layout>,
    status,
  );
}

destinationsPages.get('/:id/edit', async (c) => {
  const { view, platform } = await mustGet(c);
  return editPage(c, view, platform, valuesOf(view), 200);
});

destinationsPages.post('/:id/edit', async (c) => {
  const { view, platform } = await mustGet(c);
  const values = readDestinationForm(platform, await c.req.parseBody());
  const out = await destinationsApi.update(c.env, view.id, patchBody(view, values, customEndpoints(c)), c.var.now);
  if (!out.ok)
    return editPage(
      c,
      view,
      platform,
      withoutSecrets(view.type, values),
      400,
      out.issues.length ? out.issues : [{ path: '(form)', message: out.message }],
      out.message,
    );
  const changed = [
    view.name !== out.value.name && 'name',
    view.mode !== out.value.mode && `mode ${view.mode} → ${out.value.mode}`,
    JSON.stringify(view.settings) !== JSON.stringify(out.value.settings) && 'settings',
    view.endpoint !== out.value.endpoint && 'endpoint',
  ].filter(Boolean);
  await logChange(c, 'destination.edited', `${out.value.name} (${view.id})`, changed.join(', ') || 'no change');
  return c.redirect(`${path(c, view.id)}?done=saved`, 303);
});

destinationsPages.post('/:id/pause', async (c) => {
  const { view } = await mustGet(c);
  const paused = (await c.req.parseBody()).paused === 'true';
  const out = await destinationsApi.update(c.env, view.id, { paused }, c.var.now);
  if (!out.ok) throw new ApiError(400, out.code, out.message);
  await logChange(c, paused ? 'destination.paused' : 'destination.resumed', `${view.name} (${view.id})`);
  return c.redirect(`${path(c, view.id)}?done=${paused ? 'paused' : 'resumed'}`, 303);
});

destinationsPages.get('/:id/delete', async (c) => {
  const { view } = await mustGet(c);
  return c.html(
    <Layout title={`Delete ${view.name || view.id}?`} view={viewOf(c, '/destinations')}>
      <p>
        Deleting the destination removes its settings, cancels its unsent conversions and turns off every audience
        conversion that sends to it. Conversions already sent, and the log of requests, stay for the record. It cannot
        be undone.
      </p>
      <form method="post" action={`${path(c, view.id)}/delete`}>
        <CsrfField token={c.var.csrf} />
        <div class="actions">
          <button type="submit" class="danger">
            Delete destination
          </button>
          <a href={path(c, view.id)}>Cancel</a>
        </div>
      </form>
    </Layout>,
  );
});

destinationsPages.post('/:id/delete', async (c) => {
  const { view } = await mustGet(c);
  const out = await destinationsApi.remove(c.env, view.id, c.var.now);
  if (!out.ok) throw new ApiError(400, out.code, out.message);
  await logChange(
    c,
    'destination.deleted',
    `${view.name} (${view.id})`,
    `${out.value.cancelled} unsent cancelled, ${out.value.conversionsTurnedOff.length} audience conversions turned off`,
  );
  return c.redirect(`${c.var.base}/destinations?done=deleted`, 303);
});
