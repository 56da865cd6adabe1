// The admin's People pages: search, one person (attributes, touches, devices, audiences), erase and
// lift a suppression. (Over 300 lines: the person page's three tables are small components used by
// this page alone; they sit beside the handlers that render them.)
import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import type { AdminContext } from '../../admin/context';
import { CsrfField } from '../../admin/components/csrf-field';
import { PersonAudiences, type PersonAudienceHistory } from '../../admin/components/person-audiences';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { SafeLink } from '../../admin/components/safe-link';
import { Time } from '../../admin/components/time';
import { erasePerson, isSuppressed, liftSuppression } from '../../erasure';
import { displayValue, flattenAttributes } from '../../admin/flatten';
import { searchPeople } from '../../admin/people-directory';
import { identityOf, personByEmail, personKey } from '../../identity';
import { personActivity } from '../../conversions/person-view';
import type { PersonSnapshot } from '../../objects/person-types';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';
import { configObject } from '../../objects/doors';

export const peoplePages = new Hono<AdminContext>();

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PAGE = 50;

const SOURCE_LABELS: Record<string, string> = {
  traits: 'Identify traits (sent from browsers: untrusted)',
  signed_traits: 'Signed identify traits (trusted)',
  segment: 'Segment HTTP API traits, sent with a secret key (trusted)',
};

const DONE: Record<string, string> = {
  erased: 'The person was erased. A suppression entry keeps a later sync from recreating them.',
  lifted: 'The suppression was lifted: a later identify or sync may create this person again.',
};

function personPath(base: string, email: string) {
  return `${base}/people/${encodeURIComponent(email)}`;
}

function validEmail(raw: string): string | null {
  const email = identityOf(raw);
  return EMAIL.test(email) && email.length <= 254 ? email : null;
}

function Search(props: { base: string; value?: string; error?: string }) {
  return (
    <form method="get" action={`${props.base}/people`} class="inline-form" role="search">
      <div class="grow">
        <label for="query">
          Search by email
          <span class="hint">The start of an address, e.g. ada@ or ada@example.com</span>
        </label>
        <input
          id="query"
          name="query"
          type="search"
          value={props.value}
          autocomplete="off"
          maxlength={254}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? 'query-error' : undefined}
        />
      </div>
      <button type="submit">Search</button>
      {props.error && (
        <p id="query-error" class="notice notice-error" role="alert">
          {props.error}
        </p>
      )}
    </form>
  );
}

peoplePages.get('/', async (c) => {
  // The old exact-lookup form's field still works.
  const exact = c.req.query('email');
  if (exact !== undefined && validEmail(exact)) return c.redirect(personPath(c.var.base, validEmail(exact)!), 303);
  const query = identityOf(c.req.query('query') ?? exact ?? '');
  const after = c.req.query('after') ?? '';
  if (query.length > 254 || after.length > 254) {
    return c.html(
      <Layout title="People" view={viewOf(c, '/people')}>
        <Search base={c.var.base} error="Search for at most 254 characters." />
      </Layout>,
      400,
    );
  }
  const limit = Math.min(Math.max(Number(c.req.query('limit') ?? PAGE) || PAGE, 1), 200);
  const { rows, next } = await searchPeople(c.env, query, after, limit);
  const done = DONE[c.req.query('done') ?? ''];
  const nextHref = next
    ? `${c.var.base}/people?${new URLSearchParams({ query, after: next, ...(limit !== PAGE ? { limit: String(limit) } : {}) })}`
    : null;
  return c.html(
    <Layout title="People" view={viewOf(c, '/people')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <Search base={c.var.base} value={query} />
      <p>
        <a href={`${c.var.base}/people/upload`}>Upload people from a CSV file</a>
      </p>
      <p>
        Export: people (<a href={`${c.var.base}/export/people?format=csv`}>CSV</a>,{' '}
        <a href={`${c.var.base}/export/people?format=jsonl`}>JSONL</a>), audiences (
        <a href={`${c.var.base}/export/audiences?format=jsonl`}>JSONL</a>), conversions log (
        <a href={`${c.var.base}/export/conversions?format=csv`}>CSV</a>,{' '}
        <a href={`${c.var.base}/export/conversions?format=jsonl`}>JSONL</a>)
      </p>
      <h2>{query ? `People whose email starts with “${query}”` : 'Everyone'}</h2>
      {rows.length === 0 ? (
        <p class="muted">
          {after
            ? 'No more people.'
            : query
              ? 'Nobody matches.'
              : 'Nobody yet: people appear here once they identify or are pushed from a CRM.'}
        </p>
      ) : (
        <DataTable head={['Email', 'Attribute sources', 'First seen', 'Updated']}>
          {rows.map((p) => (
            <tr>
              <td>
                <a href={personPath(c.var.base, p.email)}>{p.email}</a>
              </td>
              <td>{Object.keys(p.attributes).join(', ') || '—'}</td>
              <td>
                <Time ms={p.createdAt} />
              </td>
              <td>
                <Time ms={p.updatedAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <div class="actions">
        {after && (
          <a class="button secondary" href={`${c.var.base}/people?${new URLSearchParams({ query })}`}>
            First page
          </a>
        )}
        {nextHref && (
          <a class="button secondary" href={nextHref} rel="next">
            Next page
          </a>
        )}
      </div>
    </Layout>,
  );
});

function badEmail(c: Context<AdminContext>, raw: string) {
  return c.html(
    <Layout title="People" view={viewOf(c, '/people')}>
      <Search base={c.var.base} value={raw} error="That is not an email address." />
    </Layout>,
    400,
  );
}

async function absent(c: Context<AdminContext>, email: string) {
  const suppressed = await isSuppressed(c.env, email);
  return c.html(
    <Layout title="No such person" view={viewOf(c, '/people')}>
      {suppressed ? (
        <>
          <Notice kind="info">
            {email} was erased. Their suppression entry keeps identifies and CRM syncs from recreating them.
          </Notice>
          <form method="post" action={`${personPath(c.var.base, email)}/lift-suppression`}>
            <CsrfField token={c.var.csrf} />
            <button type="submit" class="secondary">
              Lift the suppression
            </button>
          </form>
        </>
      ) : (
        <Notice kind="info">Nobody with the email {email} has been seen yet.</Notice>
      )}
      <Search base={c.var.base} value={email} />
    </Layout>,
    404,
  );
}

async function snapshotOf(c: Context<AdminContext>, email: string) {
  // The RPC types can't express `unknown` attribute values; the object returns a PersonSnapshot.
  return (await (await personByEmail(c.env, email)).snapshot()) as PersonSnapshot | null;
}

peoplePages.get('/:email', async (c) => {
  const email = validEmail(c.req.param('email'));
  if (!email) return badEmail(c, c.req.param('email'));
  const person = await snapshotOf(c, email);
  if (!person) return absent(c, email);
  const [history, audiences, activity] = await Promise.all([
    (await personByEmail(c.env, email)).audienceHistory() as Promise<PersonAudienceHistory>,
    configObject(c.env).listAudiences(),
    personKey(c.env, email).then((key) => personActivity(c.env, key)),
  ]);
  const names = new Map(audiences.map((a) => [a.id, a.name] as [string, string]));
  // Each conversion row's delivery, as its destination's outbox holds it (the same rows as the conversions log).
  const deliveries = new Map(activity.conversions.map((cv) => [cv.id, cv.delivery]));
  return c.html(
    <Layout title={person.email} view={viewOf(c, '/people')}>
      <p class="muted">
        First seen <Time ms={person.createdAt} />, last updated <Time ms={person.updatedAt} />.
        {person.consent && (
          <>
            {' '}
            Ads consent: <strong>{person.consent.ads}</strong> (<Time ms={person.consent.at} />
            ).
          </>
        )}
      </p>
      <Attributes person={person} />
      <Touches person={person} />
      <Devices person={person} />
      <PersonAudiences base={c.var.base} history={history} names={names} deliveries={deliveries} />
      <h2>Erase</h2>
      <p>Erasing removes everything stored about this person and keeps them from being recreated by a later sync.</p>
      <a class="button secondary" href={`${personPath(c.var.base, person.email)}/erase`}>
        Erase this person…
      </a>
    </Layout>,
  );
});

peoplePages.get('/:email/erase', async (c) => {
  const email = validEmail(c.req.param('email'));
  if (!email) return badEmail(c, c.req.param('email'));
  const person = await snapshotOf(c, email);
  if (!person) return absent(c, email);
  return c.html(
    <Layout title={`Erase ${email}?`} view={viewOf(c, '/people')}>
      <ConfirmErase base={c.var.base} csrf={c.var.csrf} email={email} />
    </Layout>,
  );
});

function ConfirmErase(props: { base: string; csrf: string; email: string; error?: string }) {
  return (
    <>
      <p>
        This deletes the person's attributes, click IDs, devices, audience entries and conversion rows, forgets the
        browsers they used, and keeps a suppression entry (a keyed hash, no email) so a CRM sync doesn't silently bring
        them back. It cannot be undone.
      </p>
      <form method="post" action={`${personPath(props.base, props.email)}/erase`}>
        <CsrfField token={props.csrf} />
        <label for="confirm">
          Type the email address to confirm
          <span class="hint">{props.email}</span>
        </label>
        <input
          id="confirm"
          name="confirm"
          type="text"
          autocomplete="off"
          required
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? 'confirm-error' : undefined}
        />
        {props.error && (
          <p id="confirm-error" class="notice notice-error" role="alert">
            {props.error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="danger">
            Erase permanently
          </button>
          <a href={personPath(props.base, props.email)}>Cancel</a>
        </div>
      </form>
    </>
  );
}

peoplePages.post('/:email/erase', async (c) => {
  const email = validEmail(c.req.param('email'));
  if (!email) return badEmail(c, c.req.param('email'));
  const form = await c.req.parseBody();
  if (typeof form.confirm !== 'string' || identityOf(form.confirm) !== email) {
    return c.html(
      <Layout title={`Erase ${email}?`} view={viewOf(c, '/people')}>
        <ConfirmErase
          base={c.var.base}
          csrf={c.var.csrf}
          email={email}
          error="The address you typed does not match. Nothing was erased."
        />
      </Layout>,
      400,
    );
  }
  await erasePerson(c.env, email, c.var.now);
  // The address is not recorded: the log must not keep what erasure removed.
  await logChange(c, 'person.erased', `person ${(await personKey(c.env, email)).slice(0, 12)}…`);
  return c.redirect(`${c.var.base}/people?done=erased`, 303);
});

peoplePages.post('/:email/lift-suppression', async (c) => {
  const email = validEmail(c.req.param('email'));
  if (!email) return badEmail(c, c.req.param('email'));
  await liftSuppression(c.env, email);
  await logChange(c, 'person.suppression_lifted', `person ${(await personKey(c.env, email)).slice(0, 12)}…`);
  return c.redirect(`${c.var.base}/people?done=lifted`, 303);
});

function Attributes(props: { person: PersonSnapshot }) {
  const sources = Object.keys(props.person.attributes);
  return (
    <section aria-labelledby="attributes">
      <h2 id="attributes">Attributes</h2>
      {sources.length === 0 && <p class="muted">No attributes yet.</p>}
      {sources.map((source) => {
        const rows = flattenAttributes(props.person.attributes[source]);
        return (
          <div class="card">
            <h3>{SOURCE_LABELS[source] ?? source}</h3>
            <p class="muted">
              Updated <Time ms={props.person.attributeUpdatedAt[source]} />
            </p>
            {rows.length === 0 ? (
              <p class="muted">Empty.</p>
            ) : (
              <dl class="attrs">
                {rows.map(([path, value]) => (
                  <>
                    <dt>
                      <code>{`${source}.${path}`}</code>
                    </dt>
                    <dd>{displayValue(value)}</dd>
                  </>
                ))}
              </dl>
            )}
          </div>
        );
      })}
    </section>
  );
}

function Touches(props: { person: PersonSnapshot }) {
  const touches = props.person.touches;
  return (
    <section aria-labelledby="touches">
      <h2 id="touches">Touches</h2>
      {touches.length === 0 ? (
        <p class="muted">No click IDs captured.</p>
      ) : (
        <DataTable head={['Kind', 'Click ID', 'First seen', 'Last seen', 'Landing page', 'Referrer']}>
          {touches.map((t) => (
            <tr>
              <td>{t.kind}</td>
              <td>
                <code>{t.value}</code>
              </td>
              <td>
                <Time ms={t.firstSeen} />
              </td>
              <td>
                <Time ms={t.lastSeen} />
              </td>
              <td class="url-cell">
                <SafeLink url={t.landingUrl} />
              </td>
              <td class="url-cell">
                <SafeLink url={t.referrer} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function Devices(props: { person: PersonSnapshot }) {
  const devices = props.person.devices;
  return (
    <section aria-labelledby="devices">
      <h2 id="devices">Devices</h2>
      {devices.length === 0 ? (
        <p class="muted">No devices.</p>
      ) : (
        <DataTable head={['Anonymous ID', 'IP', 'User agent', 'First seen', 'Last seen']}>
          {devices.map((d) => (
            <tr>
              <td>
                <code>{d.anonymousId}</code>
              </td>
              <td>{d.ip ?? '—'}</td>
              <td>{d.userAgent ?? '—'}</td>
              <td>
                <Time ms={d.firstSeen} />
              </td>
              <td>
                <Time ms={d.lastSeen} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
