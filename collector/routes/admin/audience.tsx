import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { destinationsApi } from '../../admin/destinations-api';
import { platformLabel } from '../../admin/destination-fields';
import {
  auditMembers,
  audienceSummary,
  deleteAudience,
  setConversionPaused,
  turnOffConversion,
  turnOnConversion,
  updateAudience,
} from '../../admin/audience-actions';
import { formValuesOf, readAudienceForm } from '../../admin/audience-form-data';
import { AudienceForm } from '../../admin/components/audience-form';
import { catalogueFor } from '../../admin/audience-catalogue';
import { ConversionForm } from '../../admin/components/conversion-form';
import { CsrfField } from '../../admin/components/csrf-field';
import { Layout } from '../../admin/components/layout';
import { MemberAuditTable } from '../../admin/components/member-audit';
import { Notice } from '../../admin/components/notice';
import { PopulateProgress } from '../../admin/components/populate-progress';
import { Time } from '../../admin/components/time';
import { EMPTY_CONVERSION, readConversionForm, type ConversionFormValues } from '../../admin/conversion-form-data';
import type { AdminContext } from '../../admin/context';
import type { DefinitionIssue } from '../../audiences/definition-issues';
import type { StoredAudience } from '../../audiences/types';
import { ApiError } from '../../http-error';
import { viewOf } from './view';
import { ConversionsTable } from '../../admin/components/conversions-table';
import { configObject } from '../../objects/doors';
import { PauseToggle } from '../../admin/components/pause-toggle';

export const audiencePages = new Hono<AdminContext>();

const MEMBERS_PAGE = 50;

const DONE: Record<string, string> = {
  created: 'Audience created. Members are being computed; nothing is sent until you turn a conversion on.',
  saved: 'Audience saved.',
  paused: 'Audience paused: nothing is sent while it is paused.',
  resumed: 'Audience resumed.',
  'conversion-on': 'Conversion turned on.',
  'conversion-paused': 'Conversion paused.',
  'conversion-resumed': 'Conversion resumed.',
  'conversion-off': 'Conversion turned off; its unsent rows are cancelled.',
};

async function mustGet(c: Context<AdminContext>): Promise<StoredAudience> {
  const audience = await configObject(c.env).getAudience(c.req.param('id')!);
  if (!audience) throw new ApiError(404, 'not_found', 'There is no such audience. It may have been deleted.');
  return audience;
}

function audiencePath(c: Context<AdminContext>, id: string) {
  return `${c.var.base}/audiences/${encodeURIComponent(id)}`;
}

async function detail(
  c: Context<AdminContext>,
  audience: StoredAudience,
  conversion?: { values: ConversionFormValues; issues?: DefinitionIssue[] },
) {
  const [s, listed] = await Promise.all([audienceSummary(c.env, audience), destinationsApi.list(c.env, c.var.now)]);
  // A select of the configured destinations; without any, the page says to add one first.
  const destinationNames = new Map(listed.ok ? listed.value.destinations.map((d) => [d.id, d.name || d.id]) : []);
  const destinations =
    listed.ok && listed.value.destinations.length
      ? listed.value.destinations.map((d) => ({
          id: d.id,
          label: `${d.name || d.id} (${platformLabel(d.type)}, ${d.mode})`,
        }))
      : undefined;
  const path = audiencePath(c, audience.id);
  const done = DONE[c.req.query('done') ?? ''];
  return c.html(
    <Layout title={audience.name} view={viewOf(c, '/audiences')}>
      {done && !conversion && <Notice kind="ok">{done}</Notice>}
      <p>
        {audience.paused ? <span class="badge">paused</span> : <span class="badge">active</span>}{' '}
        <strong id="member-count">{`${s.members} member${s.members === 1 ? '' : 's'}`}</strong>.{' '}
        <a href={`${path}/members`}>Audit members</a>
      </p>
      <dl class="attrs">
        <dt>Timestamp</dt>
        <dd>
          <code>{audience.timestamp.field}</code>, within the last {audience.timestamp.withinDays} days
        </dd>
        <dt>Re-entry</dt>
        <dd>{audience.reentry === 'once' ? 'once' : 'per timestamp'}</dd>
        <dt>Browser traits</dt>
        <dd>{audience.allowTraits ? 'allowed' : 'ignored'}</dd>
        <dt>Updated</dt>
        <dd>
          <Time ms={audience.updatedAt} /> (version {audience.version})
        </dd>
      </dl>
      <h2>Criteria</h2>
      <pre>{JSON.stringify(audience.criteria, null, 2)}</pre>
      <div class="actions">
        <a class="button secondary" href={`${path}/edit`}>
          Edit
        </a>
        <PauseToggle action={`${path}/pause`} csrf={c.var.csrf} paused={audience.paused} what="audience" />
        <a href={`${path}/delete`}>Delete…</a>
      </div>

      <h2>Populate</h2>
      <PopulateProgress job={s.populate} />

      <h2 id="conversions">Conversions</h2>
      {s.conversions.length === 0 ? (
        <p class="muted">No conversion is on: members are computed and can be audited, nothing is sent.</p>
      ) : (
        <ConversionsTable
          base={c.var.base}
          path={path}
          csrf={c.var.csrf}
          conversions={s.conversions}
          destinationNames={destinationNames}
        />
      )}
      <h3>Turn a conversion on</h3>
      {destinations ? (
        <ConversionForm
          action={`${path}/conversions`}
          csrf={c.var.csrf}
          values={conversion?.values ?? EMPTY_CONVERSION}
          issues={conversion?.issues}
          destinations={destinations}
        />
      ) : (
        // A conversion needs a configured destination (the API refuses any other id).
        <Notice kind="info">
          No destination is configured yet. <a href={`${c.var.base}/destinations`}>Add a destination</a> (Meta, Google
          Ads, LinkedIn or Microsoft Ads; dry run until you switch it live), then come back to turn a conversion on.
        </Notice>
      )}
    </Layout>,
    conversion?.issues ? 400 : 200,
  );
}

audiencePages.get('/:id', async (c) => detail(c, await mustGet(c)));

audiencePages.get('/:id/edit', async (c) => {
  const audience = await mustGet(c);
  return c.html(
    <Layout title={`Edit ${audience.name}`} view={viewOf(c, '/audiences')}>
      <AudienceForm
        action={`${audiencePath(c, audience.id)}/edit`}
        csrf={c.var.csrf}
        values={formValuesOf(audience)}
        submit="Save audience"
        catalogue={await catalogueFor(c.env)}
      />
    </Layout>,
  );
});

audiencePages.post('/:id/edit', async (c) => {
  const audience = await mustGet(c);
  const { values, body, issues } = readAudienceForm(await c.req.parseBody());
  const out = body === undefined ? null : await updateAudience(c.env, audience.id, body, c.var.now);
  if (!out || !out.ok) {
    return c.html(
      <Layout title={`Edit ${audience.name}`} view={viewOf(c, '/audiences')}>
        <AudienceForm
          action={`${audiencePath(c, audience.id)}/edit`}
          csrf={c.var.csrf}
          values={values}
          issues={out && !out.ok ? (out.issues ?? []) : issues}
          submit="Save audience"
          catalogue={await catalogueFor(c.env)}
        />
      </Layout>,
      400,
    );
  }
  await logChange(c, 'audience.edited', `${out.value.name} (${audience.id})`);
  return c.redirect(`${audiencePath(c, audience.id)}?done=saved`, 303);
});

audiencePages.post('/:id/pause', async (c) => {
  const audience = await mustGet(c);
  const paused = (await c.req.parseBody()).paused === 'true';
  const out = await updateAudience(c.env, audience.id, { paused }, c.var.now);
  if (!out.ok)
    throw new ApiError(400, 'invalid_audience', out.issues?.[0]?.message ?? 'The audience could not be changed.');
  await logChange(c, paused ? 'audience.paused' : 'audience.resumed', `${audience.name} (${audience.id})`);
  return c.redirect(`${audiencePath(c, audience.id)}?done=${paused ? 'paused' : 'resumed'}`, 303);
});

audiencePages.get('/:id/delete', async (c) => {
  const audience = await mustGet(c);
  return c.html(
    <Layout title={`Delete ${audience.name}?`} view={viewOf(c, '/audiences')}>
      <p>
        Deleting the audience cancels its unsent conversions. Conversions already sent stay sent. It cannot be undone.
      </p>
      <form method="post" action={`${audiencePath(c, audience.id)}/delete`}>
        <CsrfField token={c.var.csrf} />
        <div class="actions">
          <button type="submit" class="danger">
            Delete audience
          </button>
          <a href={audiencePath(c, audience.id)}>Cancel</a>
        </div>
      </form>
    </Layout>,
  );
});

audiencePages.post('/:id/delete', async (c) => {
  const audience = await mustGet(c);
  await deleteAudience(c.env, audience.id, c.var.now);
  await logChange(c, 'audience.deleted', `${audience.name} (${audience.id})`);
  return c.redirect(`${c.var.base}/audiences?done=deleted`, 303);
});

audiencePages.post('/:id/conversions', async (c) => {
  const audience = await mustGet(c);
  const { values, body, issues } = readConversionForm(await c.req.parseBody());
  if (!body) return detail(c, audience, { values, issues });
  const out = await turnOnConversion(c.env, audience, body, c.var.now);
  if (!out.ok)
    return detail(c, audience, { values, issues: out.issues ?? [{ path: '(body)', message: 'invalid conversion' }] });
  await logChange(
    c,
    'conversion.on',
    `${audience.name} (${audience.id}) → ${out.value.destinationId}`,
    `conversion ${out.value.id}${out.value.sendExisting === false ? ', new entries only' : ', existing members too'}`,
  );
  return c.redirect(`${audiencePath(c, audience.id)}?done=conversion-on#conversions`, 303);
});

audiencePages.post('/:id/conversions/:cid/pause', async (c) => {
  const audience = await mustGet(c);
  const paused = (await c.req.parseBody()).paused === 'true';
  const out = await setConversionPaused(c.env, audience, c.req.param('cid'), paused, c.var.now);
  if (!out.ok) throw new ApiError(404, 'not_found', 'There is no such conversion on this audience.');
  await logChange(
    c,
    paused ? 'conversion.paused' : 'conversion.resumed',
    `${audience.name} (${audience.id}) → ${out.value.destinationId}`,
    `conversion ${out.value.id}`,
  );
  return c.redirect(
    `${audiencePath(c, audience.id)}?done=${paused ? 'conversion-paused' : 'conversion-resumed'}#conversions`,
    303,
  );
});

audiencePages.post('/:id/conversions/:cid/off', async (c) => {
  const audience = await mustGet(c);
  if (!(await turnOffConversion(c.env, audience, c.req.param('cid'), c.var.now)))
    throw new ApiError(404, 'not_found', 'There is no such conversion on this audience.');
  await logChange(c, 'conversion.off', `${audience.name} (${audience.id})`, `conversion ${c.req.param('cid')}`);
  return c.redirect(`${audiencePath(c, audience.id)}?done=conversion-off#conversions`, 303);
});

audiencePages.get('/:id/members', async (c) => {
  const audience = await mustGet(c);
  const cursor = c.req.query('cursor') ?? '';
  if (cursor.length > 128) throw new ApiError(400, 'invalid_cursor', 'That page link is not one this admin made.');
  const { members, next } = await auditMembers(c.env, audience.id, cursor, MEMBERS_PAGE, c.var.now);
  const path = audiencePath(c, audience.id);
  return c.html(
    <Layout title={`Members of ${audience.name}`} view={viewOf(c, '/audiences')}>
      <p>
        For each member: the attribute values the audience reads, and per conversion the exact payload that would be
        sent, or why it is skipped. <a href={path}>Back to the audience</a>
      </p>
      <MemberAuditTable base={c.var.base} members={members} />
      <div class="actions">
        {cursor && (
          <a class="button secondary" href={`${path}/members`}>
            First page
          </a>
        )}
        {next && (
          <a class="button secondary" href={`${path}/members?${new URLSearchParams({ cursor: next })}`} rel="next">
            Next page
          </a>
        )}
      </div>
    </Layout>,
  );
});
