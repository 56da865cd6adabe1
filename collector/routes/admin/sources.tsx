// The admin's Sources pages: connect HubSpot with a private app's token (Salesforce's forms are in
// source-connect-salesforce.tsx), see each source's sync status and counts, sync now, pause /
// resume, pick the synced properties or fields from the CRM's own list, delete. Every form goes
// through /api/sources in process (admin/sources-api.ts) and is audited. (Just over 300 lines: the
// detail page serves both CRMs' pickers.)
import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { DataTable } from '../../admin/components/data-table';
import { Layout } from '../../admin/components/layout';
import { ErrorNotice, Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { sourcesApi } from '../../admin/sources-api';
import { ApiError } from '../../http-error';
import { HUBSPOT_DEFAULT_PROPERTIES, type SourceRun, type SourceView } from '../../../shared/schemas/sources';
import { SalesforceConnectForm, salesforceChosen, salesforceFieldsSetting } from './source-connect-salesforce';
import { viewOf } from './view';
import { PauseToggle } from '../../admin/components/pause-toggle';

export const sourcesPages = new Hono<AdminContext>();

const DONE: Record<string, string> = {
  created: 'Source connected: the first sync has started.',
  synced: 'Sync started.',
  paused: 'Source paused: nothing is read until you resume it.',
  resumed: 'Source resumed.',
  saved: 'Fields saved: the next sync reads them.',
  deleted: 'Source deleted. People keep the attributes it synced.',
};

const path = (c: Context<AdminContext>, id: string) => `${c.var.base}/sources/${encodeURIComponent(id)}`;

function Counts(props: { run: SourceRun | null }) {
  const r = props.run;
  if (!r) return <span class="muted">none yet</span>;
  return (
    <>
      {r.read} read, {r.applied} applied, {r.rejected} rejected, {r.suppressed} suppressed · {r.apiCalls} API calls
    </>
  );
}

function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never';
}

async function mustGet(c: Context<AdminContext>): Promise<SourceView> {
  const out = await sourcesApi.get(c.env, c.req.param('id')!);
  if (!out.ok) throw new ApiError(404, 'not_found', 'There is no such source. It may have been deleted.');
  return out.value;
}

function ConnectForm(props: { c: Context<AdminContext>; error?: string; issues?: string[] }) {
  const { c } = props;
  return (
    <form method="post" action={`${c.var.base}/sources/new/hubspot`}>
      <CsrfField token={c.var.csrf} />
      <ErrorNotice error={props.error} issues={props.issues} />
      <label for="name">Name</label>
      <input id="name" name="name" required maxlength={100} value="HubSpot" />
      <label for="accessToken">
        Private app access token
        <span class="hint" id="token-hint">
          HubSpot → Settings → Integrations → Private apps, with the scopes crm.objects.contacts.read and
          crm.schemas.contacts.read. Stored encrypted, never shown again.
        </span>
      </label>
      <input
        id="accessToken"
        name="accessToken"
        type="password"
        required
        autocomplete="off"
        aria-describedby="token-hint"
      />
      <label for="backfillDays">
        First sync reaches back
        <span class="hint" id="backfill-hint">
          Older stage changes are synced as attributes but never send conversions: an audience's required timestamp
          keeps them out.
        </span>
      </label>
      <select id="backfillDays" name="backfillDays" aria-describedby="backfill-hint">
        <option value="7">7 days</option>
        <option value="30">30 days</option>
        <option value="90" selected>
          90 days
        </option>
        <option value="all">everything</option>
      </select>
      <div class="actions">
        <button type="submit">Connect HubSpot</button>
      </div>
    </form>
  );
}

sourcesPages.get('/', async (c) => {
  const out = await sourcesApi.list(c.env);
  const list = out.ok ? out.value.sources : [];
  const done = DONE[c.req.query('done') ?? ''];
  return c.html(
    <Layout title="Sources" view={viewOf(c, '/sources')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <p>
        CRMs whose records flow in by themselves, every 5 minutes, as <code>hubspot.*</code> or{' '}
        <code>salesforce.*</code> attributes merged into people by email. Audiences use them like any attribute.
      </p>
      {list.length === 0 ? (
        <p class="muted">No sources yet.</p>
      ) : (
        <DataTable head={['Name', 'Type', 'Status', 'Last sync', 'Last run']}>
          {list.map((s) => (
            <tr>
              <td>
                <a href={path(c, s.id)}>{s.name}</a>
              </td>
              <td>{s.type}</td>
              <td>
                <span class="badge">{s.status}</span>
              </td>
              <td>{when(s.lastSyncedAt)}</td>
              <td>
                <Counts run={s.lastRun} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <h2>Connect HubSpot</h2>
      <ConnectForm c={c} />
      <p>
        Or <a href={`${c.var.base}/sources/hubspot/connect`}>connect with OAuth</a> (a HubSpot public app of your own).
      </p>
      <h2>Connect Salesforce</h2>
      <SalesforceConnectForm c={c} />
    </Layout>,
  );
});

sourcesPages.post('/new/hubspot', async (c) => {
  const form = await c.req.parseBody();
  const days = String(form.backfillDays ?? '90');
  const out = await sourcesApi.create(c.env, {
    type: 'hubspot',
    name: String(form.name ?? ''),
    backfillDays: days === 'all' ? null : Number(days),
    settings: { accessToken: String(form.accessToken ?? '') },
  });
  if (!out.ok)
    return c.html(
      <Layout title="Sources" view={viewOf(c, '/sources')}>
        <h2>Connect HubSpot</h2>
        <ConnectForm c={c} error={out.message} issues={out.issues} />
      </Layout>,
      400,
    );
  await logChange(c, 'source.created', `${out.value.name} (${out.value.id})`, 'hubspot');
  return c.redirect(`${path(c, out.value.id)}?done=created`, 303);
});

sourcesPages.get('/:id', async (c) => {
  const s = await mustGet(c);
  const p = path(c, s.id);
  const done = DONE[c.req.query('done') ?? ''];
  const sf = s.type === 'salesforce';
  const chosen = new Set(
    sf ? salesforceChosen(s.settings) : ((s.settings.properties as string[] | undefined) ?? HUBSPOT_DEFAULT_PROPERTIES),
  );
  const fields = c.req.query('fields') === '1' ? await sourcesApi.fields(c.env, s.id) : null;
  const crm = sf ? 'Salesforce' : 'HubSpot';
  // Chosen paths the CRM's list does not name (a parent field such as Contact.Account.Name) stay chosen.
  const listed = fields?.ok ? new Set(fields.value.fields.map((f) => f.name)) : new Set<string>();
  const extra = [...chosen].filter((f) => !listed.has(f));
  return c.html(
    <Layout title={s.name} view={viewOf(c, '/sources')}>
      {done && <Notice kind="ok">{done}</Notice>}
      {s.lastError && (
        <Notice kind="error">
          {s.lastError.message}
          {s.lastError.platformMessage ? `: ${s.lastError.platformMessage}` : ''} ({when(s.lastError.at)})
        </Notice>
      )}
      <dl class="attrs">
        <dt>ID</dt>
        <dd>
          <code>{s.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span class="badge">{s.status}</span>
        </dd>
        <dt>Last sync</dt>
        <dd>{when(s.lastSyncedAt)}</dd>
        <dt>Last run</dt>
        <dd>
          <Counts run={s.lastRun} />
        </dd>
        <dt>Current run</dt>
        <dd>
          <Counts run={s.currentRun} />
        </dd>
        <dt>Next run</dt>
        <dd>{when(s.nextRunAt)}</dd>
        <dt>Token</dt>
        <dd>
          <code>{String(s.settings.accessToken ?? s.settings.refreshToken ?? (sf ? 'client credentials' : ''))}</code>
        </dd>
        {sf ? (
          <>
            <dt>Org</dt>
            <dd>
              <code>{String(s.settings.instanceUrl)}</code>
            </dd>
          </>
        ) : (
          <>
            <dt>Webhook URL</dt>
            <dd>
              <code>{`${new URL(c.req.url).origin}${c.var.base.replace(/\/admin$/, '')}/sources/hubspot/${s.id}/webhook`}</code>
            </dd>
          </>
        )}
      </dl>
      {s.fieldIssues.length > 0 && (
        <>
          <h2>Field issues</h2>
          <ul>
            {s.fieldIssues.map((i) => (
              <li>
                <code>{i.field}</code>: {i.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="actions">
        <form method="post" action={`${p}/sync`}>
          <CsrfField token={c.var.csrf} />
          <button type="submit">Sync now</button>
        </form>
        <PauseToggle action={`${p}/pause`} csrf={c.var.csrf} paused={s.paused} />
        <form method="post" action={`${p}/delete`}>
          <CsrfField token={c.var.csrf} />
          <button type="submit" class="secondary">
            Delete
          </button>
        </form>
      </div>
      <h2 id="fields">Synced {sf ? 'fields' : 'properties'}</h2>
      {!fields ? (
        <p>
          {[...chosen].map((f) => (
            <code>{f} </code>
          ))}{' '}
          ·{' '}
          <a href={`${p}?fields=1#fields`}>
            Choose from {crm}'s {sf ? 'fields' : 'properties'}
          </a>
        </p>
      ) : !fields.ok ? (
        <Notice kind="error">
          {crm}'s {sf ? 'field' : 'property'} list could not be read: {fields.message}
        </Notice>
      ) : (
        <form method="post" action={`${p}/fields`}>
          <CsrfField token={c.var.csrf} />
          <fieldset>
            <legend>{sf ? 'Salesforce fields' : 'Contact properties'}</legend>
            {extra.map((f) => (
              <label>
                <input type="checkbox" name="properties" value={f} checked /> <code>{f}</code>
              </label>
            ))}
            {fields.value.fields.map((f) => (
              <label>
                <input type="checkbox" name="properties" value={f.name} checked={chosen.has(f.name)} /> {f.label}{' '}
                <code>{f.name}</code> <span class="muted">{f.type}</span>
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit">Save {sf ? 'fields' : 'properties'}</button>
          </div>
        </form>
      )}
    </Layout>,
  );
});

sourcesPages.post('/:id/sync', async (c) => {
  const s = await mustGet(c);
  const out = await sourcesApi.sync(c.env, s.id);
  if (!out.ok) throw new ApiError(409, out.code, out.message);
  await logChange(c, 'source.synced', `${s.name} (${s.id})`);
  return c.redirect(`${path(c, s.id)}?done=synced`, 303);
});

sourcesPages.post('/:id/pause', async (c) => {
  const s = await mustGet(c);
  const paused = (await c.req.parseBody()).paused === 'true';
  const out = await sourcesApi.update(c.env, s.id, { paused });
  if (!out.ok) throw new ApiError(400, out.code, out.message);
  await logChange(c, paused ? 'source.paused' : 'source.resumed', `${s.name} (${s.id})`);
  return c.redirect(`${path(c, s.id)}?done=${paused ? 'paused' : 'resumed'}`, 303);
});

sourcesPages.post('/:id/fields', async (c) => {
  const s = await mustGet(c);
  const body = await c.req.parseBody({ all: true });
  const raw = body.properties;
  const properties = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const settings =
    s.type === 'salesforce'
      ? { fields: salesforceFieldsSetting(properties) }
      : { properties: properties.includes('email') ? properties : ['email', ...properties] };
  const out = await sourcesApi.update(c.env, s.id, { settings });
  if (!out.ok) throw new ApiError(400, out.code, `${out.message} ${out.issues.join('; ')}`);
  await logChange(
    c,
    'source.edited',
    `${s.name} (${s.id})`,
    `${properties.length} ${s.type === 'salesforce' ? 'fields' : 'properties'}`,
  );
  return c.redirect(`${path(c, s.id)}?done=saved`, 303);
});

sourcesPages.post('/:id/delete', async (c) => {
  const s = await mustGet(c);
  await sourcesApi.remove(c.env, s.id);
  await logChange(c, 'source.deleted', `${s.name} (${s.id})`);
  return c.redirect(`${c.var.base}/sources?done=deleted`, 303);
});
