import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { destinationsApi } from '../../admin/destinations-api';
import { DataTable } from '../../admin/components/data-table';
import { ExistingForm, TemplateForm } from '../../admin/components/ladder-forms';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import {
  EMPTY_EXISTING,
  EMPTY_TEMPLATE,
  readExistingForm,
  readTemplateForm,
  type ExistingFormValues,
  type TemplateFormValues,
} from '../../admin/ladder-form-data';
import type { DefinitionIssue } from '../../audiences/definition-issues';
import { createLadder } from '../../ladders/actions';
import { platformLabel } from '../../admin/destination-fields';
import { ladderPages } from './ladder';
import { viewOf } from './view';
import { configObject } from '../../objects/doors';

export const laddersPages = new Hono<AdminContext>();

laddersPages.get('/', async (c) => {
  const [ladders, audiences] = await Promise.all([
    configObject(c.env).listLadders(),
    configObject(c.env).listAudiences(),
  ]);
  const names = new Map(audiences.map((a) => [a.id, a.name]));
  const done = c.req.query('done') === 'deleted' ? 'The ladder was deleted.' : null;
  return c.html(
    <Layout title="Ladders" view={viewOf(c, '/ladders')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <p class="muted">
        A ladder is your funnel, stage by stage (lead, MQL, SQL, opportunity, won): one audience per stage, each sending
        its own event, and how often each stage converts against the 30 to 50 a month that automated bidding needs.
      </p>
      <div class="actions">
        <a class="button" href={`${c.var.base}/ladders/new`}>
          New ladder
        </a>
      </div>
      {ladders.length === 0 ? (
        <p class="muted">No ladders yet.</p>
      ) : (
        <DataTable head={['Name', 'Stages']}>
          {ladders.map((l) => (
            <tr>
              <td>
                <a href={`${c.var.base}/ladders/${encodeURIComponent(l.id)}`}>{l.name}</a>
              </td>
              <td>
                {l.stages.map((s) => s.name + (names.has(s.audienceId) ? '' : ' (audience deleted)')).join(' → ')}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Layout>,
  );
});

async function newPage(
  c: Context<AdminContext>,
  state: {
    template?: TemplateFormValues;
    existing?: ExistingFormValues;
    templateIssues?: DefinitionIssue[];
    existingIssues?: DefinitionIssue[];
  } = {},
  status: 200 | 400 = 200,
) {
  const [listed, audiences] = await Promise.all([
    destinationsApi.list(c.env, c.var.now),
    configObject(c.env).listAudiences(),
  ]);
  const destinations = listed.ok
    ? listed.value.destinations.map((d) => ({
        id: d.id,
        label: `${d.name || d.id} (${platformLabel(d.type)}, ${d.mode})`,
      }))
    : [];
  return c.html(
    <Layout title="New ladder" view={viewOf(c, '/ladders')}>
      <h2 id="from-template">From a template</h2>
      <TemplateForm
        action={`${c.var.base}/ladders/new/template`}
        csrf={c.var.csrf}
        values={state.template ?? EMPTY_TEMPLATE}
        issues={state.templateIssues}
        destinations={destinations}
      />
      <h2 id="from-audiences">From existing audiences</h2>
      {audiences.length === 0 ? (
        <p class="muted">
          There are no audiences yet: <a href={`${c.var.base}/audiences/new`}>create one</a>, or start from a template
          above.
        </p>
      ) : (
        <ExistingForm
          action={`${c.var.base}/ladders/new/audiences`}
          csrf={c.var.csrf}
          values={state.existing ?? EMPTY_EXISTING}
          issues={state.existingIssues}
          audiences={audiences.map((a) => ({ id: a.id, name: a.name }))}
        />
      )}
    </Layout>,
    status,
  );
}

laddersPages.get('/new', (c) => newPage(c));

laddersPages.post('/new/template', async (c) => {
  const listed = await destinationsApi.list(c.env, c.var.now);
  const types = new Map(listed.ok ? listed.value.destinations.map((d) => [d.id, d.type as string]) : []);
  const { values, body } = readTemplateForm(await c.req.parseBody(), (id) => types.get(id));
  const out = await createLadder(c.env, body, c.var.now);
  if (!out.ok) return newPage(c, { template: values, templateIssues: out.issues ?? [] }, 400);
  await logChange(c, 'ladder.created', `${out.value.ladder.name} (${out.value.ladder.id})`);
  return c.redirect(`${c.var.base}/ladders/${encodeURIComponent(out.value.ladder.id)}?done=created`, 303);
});

laddersPages.post('/new/audiences', async (c) => {
  const names = new Map((await configObject(c.env).listAudiences()).map((a) => [a.id, a.name]));
  const { values, body } = readExistingForm(await c.req.parseBody(), (id) => names.get(id));
  const out = await createLadder(c.env, body, c.var.now);
  if (!out.ok) return newPage(c, { existing: values, existingIssues: out.issues ?? [] }, 400);
  await logChange(c, 'ladder.created', `${out.value.ladder.name} (${out.value.ladder.id})`);
  return c.redirect(`${c.var.base}/ladders/${encodeURIComponent(out.value.ladder.id)}?done=created`, 303);
});

laddersPages.route('/', ladderPages);
