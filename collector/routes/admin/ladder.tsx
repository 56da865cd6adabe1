import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { DataTable } from '../../admin/components/data-table';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { StageChart } from '../../admin/components/stage-chart';
import { SendForm } from '../../admin/components/ladder-forms';
import { destinationsApi } from '../../admin/destinations-api';
import { emptySend, readSendForm, type SendFormValues } from '../../admin/ladder-form-data';
import type { DefinitionIssue } from '../../audiences/definition-issues';
import { platformLabel } from '../../admin/destination-fields';
import type { AdminContext } from '../../admin/context';
import { ApiError } from '../../http-error';
import { addLadderSend, deleteLadder } from '../../ladders/actions';
import { DEFAULT_WEEKS, ladderStats, type StageStats } from '../../ladders/stats';
import type { StoredLadder } from '../../objects/config-ladders';
import { formatRate, type Verdict } from '../../../shared/ladder-stats';
import { viewOf } from './view';
import { configObject } from '../../objects/doors';

export const ladderPages = new Hono<AdminContext>();

const VERDICT: Record<Verdict, string> = {
  enough: 'enough to bid on',
  borderline: 'at the edge',
  too_rare: 'too rare',
  no_data: 'not sending',
};
const weekLabel = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function mustGet(c: Context<AdminContext>): Promise<StoredLadder> {
  const ladder = await configObject(c.env).getLadder(c.req.param('id')!);
  if (!ladder) throw new ApiError(404, 'not_found', 'There is no such ladder. It may have been deleted.');
  return ladder;
}

function conversionText(s: StageStats): string {
  if (s.conversions.length === 0) return 'no conversion on';
  return s.conversions
    .map((cv) => {
      const what = cv.eventName ?? cv.conversionAction ?? 'default event';
      const value = cv.valueField
        ? ` + value from ${cv.valueField}`
        : cv.value !== undefined
          ? ` + value ${cv.value}`
          : '';
      return `${what}${value}${value && cv.currency ? ` ${cv.currency}` : ''}${cv.paused ? ' (paused)' : ''}`;
    })
    .join('; ');
}

function valueText(s: StageStats): string {
  const parts = s.destinations.flatMap((d) =>
    d.values.map(
      (v) =>
        `${d.name}: ${v.sum.toLocaleString('en-US', { maximumFractionDigits: 2 })}${v.currency ? ` ${v.currency}` : ''} (${v.conversions})`,
    ),
  );
  return parts.length ? parts.join('; ') : '—';
}

const DONE: Record<string, string> = {
  created: 'Ladder created. New audiences are being populated; counts fill in as conversions are sent.',
  sending: 'Every stage now sends to that destination. Members already inside the window are sent too.',
};

/** The stage's conversions withdrawn by retractions over the weeks shown (left out of the counts). */
function retractedText(s: StageStats): string | null {
  const withdrawn = s.destinations.filter((d) => d.retracted > 0).map((d) => `${d.name}: ${d.retracted}`);
  return withdrawn.length ? `withdrawn by retractions, not counted: ${withdrawn.join('; ')}` : null;
}

async function view(
  c: Context<AdminContext>,
  ladder: StoredLadder,
  send?: { values: SendFormValues; issues: DefinitionIssue[] },
) {
  const [stats, listed] = await Promise.all([
    ladderStats(c.env, ladder, c.var.now, DEFAULT_WEEKS),
    destinationsApi.list(c.env, c.var.now),
  ]);
  const destinations = listed.ok
    ? listed.value.destinations.map((d) => ({
        id: d.id,
        label: `${d.name || d.id} (${platformLabel(d.type)}, ${d.mode})`,
      }))
    : [];
  const done = send ? undefined : DONE[c.req.query('done') ?? ''];
  const optimize = stats.stages.find((s) => s.key === stats.optimizeOn);
  const path = `${c.var.base}/ladders/${encodeURIComponent(ladder.id)}`;
  return c.html(
    <Layout title={ladder.name} view={viewOf(c, '/ladders')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <p id="optimize-on">
        {optimize ? (
          <>
            Optimize bidding on <strong>{optimize.name}</strong>: the deepest stage with at least 30 conversions a
            month. Report the stages after it as secondary conversions.
          </>
        ) : (
          'No stage reaches 30 conversions a month yet.'
        )}
      </p>
      <DataTable
        id="stages"
        head={['Stage', 'Audience', 'Sends', 'Per week (last 12)', 'A month', 'Value sent', 'Advice']}
        caption={`Conversions per week over the last ${DEFAULT_WEEKS} weeks (to ${weekLabel(c.var.now)}), the most any one destination received`}
      >
        {stats.stages.map((s, i) => (
          <tr class={`verdict-${s.verdict}`}>
            <th scope="row">
              {i + 1}. {s.name}
            </th>
            <td>
              {s.audience ? (
                <>
                  <a href={`${c.var.base}/audiences/${encodeURIComponent(s.audienceId)}`}>{s.audience.name}</a>
                  <span class="hint">{`${s.audience.members} member${s.audience.members === 1 ? '' : 's'}; ${s.audience.timestampField} within ${s.audience.withinDays} d`}</span>
                </>
              ) : (
                <span class="muted">{`audience ${s.audienceId} was deleted`}</span>
              )}
            </td>
            <td>{conversionText(s)}</td>
            <td>
              <StageChart id={`stage-${i}`} name={s.name} weekly={s.weekly} />
              <span class="hint">{s.weekly.join(' · ')}</span>
              {retractedText(s) && <span class="hint retracted">{retractedText(s)}</span>}
            </td>
            <td>
              {s.monthly === null ? '—' : formatRate(s.monthly)}
              {s.destinations.length > 1 && (
                <span class="hint">
                  {s.destinations
                    .map((d) => `${d.name}: ${d.monthly === null ? '—' : formatRate(d.monthly)}`)
                    .join('; ')}
                </span>
              )}
            </td>
            <td>{valueText(s)}</td>
            <td>
              <span class="badge">{VERDICT[s.verdict]}</span> <span class="stage-hint">{s.hint}</span>
            </td>
          </tr>
        ))}
      </DataTable>
      <p class="muted">
        Weeks are those of each conversion's event time. A month is the average week since the stage's first conversion
        was turned on (or since its oldest conversion counted, if earlier; at most {DEFAULT_WEEKS} weeks), times 4.35.
        Counted: conversions queued or sent; skipped and failed ones are left out, and so are conversions withdrawn by a
        retraction (sent, or on its way) — a reversal recorded at a platform that takes no retraction (Meta, LinkedIn,
        Reddit, TikTok, ChatGPT Ads) stays counted, as the platform still counts it. Google's and Microsoft's bidding
        asks for about 30 to 50 conversions a month per conversion action; below 30 a stage is better reported as a
        secondary conversion than bid on.
      </p>
      <h2 id="send">Send every stage to a destination</h2>
      {destinations.length ? (
        <SendForm
          action={`${path}/send`}
          csrf={c.var.csrf}
          stages={ladder.stages}
          values={send?.values ?? emptySend(ladder.stages.map((s) => s.key))}
          issues={send?.issues}
          destinations={destinations}
        />
      ) : (
        <p class="muted">
          No destination yet: <a href={`${c.var.base}/destinations`}>add one</a> first.
        </p>
      )}
      <h2>Delete</h2>
      <form method="post" action={`${path}/delete`}>
        <CsrfField token={c.var.csrf} />
        <div class="check">
          <input id="delete-audiences" name="deleteAudiences" type="checkbox" />
          <label for="delete-audiences">Also delete its audiences (their unsent conversions are cancelled)</label>
        </div>
        <div class="actions">
          <button type="submit" class="danger">
            Delete ladder
          </button>
        </div>
      </form>
    </Layout>,
    send ? 400 : 200,
  );
}

ladderPages.get('/:id', async (c) => view(c, await mustGet(c)));

ladderPages.post('/:id/send', async (c) => {
  const ladder = await mustGet(c);
  const listed = await destinationsApi.list(c.env, c.var.now);
  const types = new Map(listed.ok ? listed.value.destinations.map((d) => [d.id, d.type as string]) : []);
  const { values, body } = readSendForm(
    await c.req.parseBody(),
    ladder.stages.map((s) => s.key),
    (id) => types.get(id),
  );
  const out = await addLadderSend(c.env, ladder.id, body, c.var.now);
  if (!out.ok) return view(c, ladder, { values, issues: out.issues ?? [] });
  await logChange(c, 'ladder.send', `${ladder.name} (${ladder.id})`, `to ${values.destinationId}`);
  return c.redirect(`${c.var.base}/ladders/${encodeURIComponent(ladder.id)}?done=sending`, 303);
});

ladderPages.post('/:id/delete', async (c) => {
  const ladder = await mustGet(c);
  const withAudiences = (await c.req.parseBody()).deleteAudiences === 'on';
  const out = await deleteLadder(c.env, ladder.id, { withAudiences }, c.var.now);
  if (out)
    await logChange(
      c,
      'ladder.deleted',
      `${ladder.name} (${ladder.id})`,
      withAudiences ? `with audiences ${out.deletedAudiences.join(', ')}` : '',
    );
  return c.redirect(`${c.var.base}/ladders?done=deleted`, 303);
});
