// The admin's Identity page: which person attributes hold each identifier sent beside the email,
// edited per deployment (the API's PUT /api/identity-mapping), and tried on a real person: each
// identifier's source field, its normalized value per platform, and per destination what would be sent.
import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { DataTable } from '../../admin/components/data-table';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { invalidateAudienceConfig } from '../../audiences/config-cache';
import { DEFAULT_IDENTITY_MAPPING } from '../../audiences/identity-mapping';
import { previewIdentity, type IdentityPreview } from '../../audiences/identity-preview';
import { identityOf } from '../../identity';
import {
  IDENTIFIERS,
  identityMappingSchema,
  type Identifier,
  type IdentityMapping,
} from '../../../shared/schemas/identity-mapping';
import { viewOf } from './view';
import { configObject } from '../../objects/doors';

export const identityPages = new Hono<AdminContext>();

const LABELS: Record<Identifier, string> = {
  phone: 'Phone',
  firstName: 'First name',
  lastName: 'Last name',
  city: 'City',
  region: 'State / region',
  postalCode: 'Postal code',
  countryCode: 'Country',
  gender: 'Gender',
  birthDate: 'Birth date',
  externalId: 'External id (your CRM id)',
  companyName: 'Company',
  jobTitle: 'Job title',
};
// What each platform receives of an identifier (docs/identity.md).
const RECEIVES: Record<Identifier, string> = {
  phone: 'Meta ph, Google phone (E.164), Microsoft HashedPhoneNumber: hashed',
  firstName: 'Meta fn (hashed), Google address (hashed), LinkedIn userInfo (plain)',
  lastName: 'Meta ln (hashed), Google address (hashed), LinkedIn userInfo (plain)',
  city: 'Meta ct (hashed)',
  region: 'Meta st (hashed)',
  postalCode: 'Meta zp (hashed), Google address (plain)',
  countryCode: 'Meta country (hashed), Google address regionCode, LinkedIn userInfo (plain)',
  gender: 'Meta ge (hashed)',
  birthDate: 'Meta db (hashed)',
  externalId: 'Meta external_id (hashed)',
  companyName: 'LinkedIn userInfo (plain)',
  jobTitle: 'LinkedIn userInfo title (plain)',
};
const OFF = 'none';

function MappingForm(props: {
  base: string;
  csrf: string;
  values: Partial<Record<Identifier, string>>;
  error?: string;
}) {
  return (
    <form method="post" action={`${props.base}/identity`}>
      <CsrfField token={props.csrf} />
      <p class="muted">
        One attribute path per line (e.g. <code>hubspot.phone</code>, <code>salesforce.Contact.Phone</code>,{' '}
        <code>crm.mobile</code>): the first that holds text wins. Leave a box empty for the defaults shown under it;
        write <code>{OFF}</code> to send nothing for that identifier. Browser traits (<code>traits.*</code>) are
        untrusted: add them only if you sign identifies.
      </p>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {IDENTIFIERS.map((id) => (
        <>
          <label for={`map-${id}`}>
            {LABELS[id]}
            <span class="hint" id={`map-${id}-hint`}>
              {RECEIVES[id]}. Defaults: {DEFAULT_IDENTITY_MAPPING[id].join(', ')}
            </span>
          </label>
          <textarea id={`map-${id}`} name={id} rows={2} aria-describedby={`map-${id}-hint`}>
            {props.values[id] ?? ''}
          </textarea>
        </>
      ))}
      <div class="actions">
        <button type="submit">Save mapping</button>
      </div>
    </form>
  );
}

function Preview(props: { preview: IdentityPreview }) {
  const p = props.preview;
  return (
    <>
      <h3>Identifiers of {p.email}</h3>
      <DataTable
        head={['Identifier', 'Source field', 'Value', 'Meta', 'Google', 'Microsoft', 'Google address', 'LinkedIn']}
      >
        {p.identifiers.map((s) => (
          <tr>
            <td>{LABELS[s.identifier]}</td>
            <td>
              {s.field ? <code>{s.field}</code> : <span class="muted">{'reason' in s ? s.reason : ''}</span>}
              {s.skipped.map((k) => (
                <div class="muted">
                  skipped {k.field}: {k.reason}
                </div>
              ))}
            </td>
            <td>{s.value ?? '—'}</td>
            {(['meta', 'google', 'microsoft', 'google_address', 'linkedin'] as const).map((k) => (
              <td>
                {s.value === null ? (
                  '—'
                ) : s.normalized[k] === undefined ? (
                  <span class="muted">not sent</span>
                ) : s.normalized[k] === null ? (
                  <span class="muted">left out (cannot be normalized)</span>
                ) : (
                  <code>{s.normalized[k]}</code>
                )}
              </td>
            ))}
          </tr>
        ))}
      </DataTable>
      <p class="muted">
        Meta, Google and Microsoft receive the SHA-256 of the normalized value; LinkedIn and Google's region and postal
        code travel in clear.
      </p>
      <h3>What each destination would receive</h3>
      {p.destinations.length === 0 ? (
        <p class="muted">No destination is configured.</p>
      ) : (
        p.destinations.map((d) => (
          <details open>
            <summary>
              {d.name} ({d.type})
              {d.skip
                ? `: skipped, ${d.detail ?? d.skip}`
                : d.matchKeys.length
                  ? `: ${d.matchKeys.map((k) => k.replace(/_/g, ' ')).join(', ')}`
                  : ''}
              {d.coverage ? ` · coverage ${d.coverage.score.toFixed(1)}/10` : ''}
            </summary>
            {d.payload !== null && <pre>{JSON.stringify(d.payload, null, 2)}</pre>}
          </details>
        ))
      )}
    </>
  );
}

async function page(
  c: Context<AdminContext>,
  extra: { values?: Partial<Record<Identifier, string>>; error?: string } = {},
) {
  const saved = await configObject(c.env).identityMapping();
  const values =
    extra.values ?? Object.fromEntries(Object.entries(saved ?? {}).map(([k, v]) => [k, v.length ? v.join('\n') : OFF]));
  const email = c.req.query('email')?.trim() ?? '';
  const preview = email ? await previewIdentity(c.env, identityOf(email), saved, c.var.now) : null;
  return c.html(
    <Layout title="Identity" view={viewOf(c, '/identity')}>
      {c.req.query('done') === 'saved' && (
        <Notice kind="ok">The mapping was saved: conversions built from now on use it.</Notice>
      )}
      <p>
        Beside the email, conversions carry every identifier of the person the platform accepts: this says where each is
        found in your CRM data.
      </p>
      <h2>Try it on a person</h2>
      <form method="get" action={`${c.var.base}/identity`}>
        <label for="preview-email">Email of a person</label>
        <input id="preview-email" name="email" type="email" value={email} required />
        <div class="actions">
          <button type="submit" class="secondary">
            Preview
          </button>
        </div>
      </form>
      {email && !preview && <Notice kind="error">There is no person with that email.</Notice>}
      {preview && <Preview preview={preview} />}
      <h2>Mapping</h2>
      <MappingForm base={c.var.base} csrf={c.var.csrf} values={values} error={extra.error} />
    </Layout>,
    extra.error ? 400 : 200,
  );
}

identityPages.get('/', (c) => page(c));

identityPages.post('/', async (c) => {
  const form = await c.req.parseBody();
  const values: Partial<Record<Identifier, string>> = {};
  const mapping: IdentityMapping = {};
  for (const id of IDENTIFIERS) {
    const text = typeof form[id] === 'string' ? (form[id] as string).trim() : '';
    if (!text) continue;
    values[id] = text;
    mapping[id] =
      text.toLowerCase() === OFF
        ? []
        : text
            .split(/[\n,]+/)
            .map((l) => l.trim())
            .filter(Boolean);
  }
  const parsed = identityMappingSchema.safeParse(mapping);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return page(c, { values, error: `${LABELS[issue.path[0] as Identifier] ?? issue.path[0]}: ${issue.message}` });
  }
  await configObject(c.env).setIdentityMapping(Object.keys(mapping).length ? mapping : null);
  invalidateAudienceConfig();
  await logChange(c, 'identity_mapping.changed', 'identity mapping', Object.keys(mapping).join(', ') || 'defaults');
  return c.redirect(`${c.var.base}/identity?done=saved`, 303);
});
