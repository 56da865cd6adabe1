import { Hono } from 'hono';
import type { AdminContext } from '../../admin/context';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { SafeLink } from '../../admin/components/safe-link';
import { Time } from '../../admin/components/time';
import { displayValue, flattenAttributes } from '../../admin/flatten';
import { identityOf, personByEmail } from '../../identity';
import type { PersonSnapshot } from '../../objects/person';
import { viewOf } from './view';

export const peoplePages = new Hono<AdminContext>();

const EMAIL = /^[^\s@]+@[^\s@]+$/;

const SOURCE_LABELS: Record<string, string> = {
  traits: 'Identify traits (sent from browsers: untrusted unless signed)',
};

function personPath(base: string, email: string) {
  return `${base}/people/${encodeURIComponent(email)}`;
}

function FindPerson(props: { base: string; value?: string; error?: string }) {
  return (
    <form method="get" action={`${props.base}/people`} class="inline-form" role="search">
      <div class="grow">
        <label for="email">Find a person by email</label>
        <input id="email" name="email" type="email" required value={props.value} autocomplete="off" aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.error ? 'email-error' : undefined} />
      </div>
      <button type="submit">Find</button>
      {props.error && (
        <p id="email-error" class="notice notice-error" role="alert">
          {props.error}
        </p>
      )}
    </form>
  );
}

peoplePages.get('/', (c) => {
  const email = c.req.query('email');
  if (email !== undefined) {
    const trimmed = email.trim();
    if (EMAIL.test(trimmed)) return c.redirect(personPath(c.var.base, identityOf(trimmed)), 303);
    return c.html(
      <Layout title="People" view={viewOf(c, '/people')}>
        <FindPerson base={c.var.base} value={email} error="Enter an email address, like ada@example.com." />
      </Layout>,
      400,
    );
  }
  return c.html(
    <Layout title="People" view={viewOf(c, '/people')}>
      <FindPerson base={c.var.base} />
    </Layout>,
  );
});

peoplePages.get('/:email', async (c) => {
  const email = c.req.param('email');
  if (!EMAIL.test(email.trim())) {
    return c.html(
      <Layout title="People" view={viewOf(c, '/people')}>
        <FindPerson base={c.var.base} value={email} error="That is not an email address." />
      </Layout>,
      400,
    );
  }
  // The RPC types can't express `unknown` attribute values; the object returns a PersonSnapshot.
  const person = (await (await personByEmail(c.env, email)).snapshot()) as PersonSnapshot | null;
  if (!person) {
    return c.html(
      <Layout title="No such person" view={viewOf(c, '/people')}>
        <Notice kind="info">Nobody with the email {identityOf(email)} has been seen yet.</Notice>
        <FindPerson base={c.var.base} value={identityOf(email)} />
      </Layout>,
      404,
    );
  }
  return c.html(
    <Layout title={person.email} view={viewOf(c, '/people')}>
      <p class="muted">
        First seen <Time ms={person.createdAt} />, last updated <Time ms={person.updatedAt} />.
      </p>
      <Attributes person={person} />
      <Touches person={person} />
      <Devices person={person} />
    </Layout>,
  );
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
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Click ID</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Landing page</th>
                <th scope="col">Referrer</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
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
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Anonymous ID</th>
                <th scope="col">IP</th>
                <th scope="col">User agent</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
