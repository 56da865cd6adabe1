import { Hono } from 'hono';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { DataTable } from '../../admin/components/data-table';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { Time } from '../../admin/components/time';
import type { AdminContext } from '../../admin/context';
import { uploadPeople, type UploadRejection } from '../../admin/people-upload';
import { ApiError } from '../../http-error';
import { MAX_PEOPLE_BYTES, MAX_PEOPLE_PER_REQUEST, type Job } from '../../../shared/schemas/people';
import { viewOf } from './view';
import { retryJobFailures } from '../../ingest/retry-failures';
import { configObject } from '../../objects/doors';

export const peopleUploadPages = new Hono<AdminContext>();

function UploadForm(props: {
  base: string;
  csrf: string;
  source?: string;
  error?: string;
  rejected?: UploadRejection[];
}) {
  return (
    <form method="post" action={`${props.base}/people/upload`} enctype="multipart/form-data">
      <CsrfField token={props.csrf} />
      {props.error && (
        <Notice kind="error">
          {props.error}
          {props.rejected && <Rejections rows={props.rejected} />}
        </Notice>
      )}
      <label for="file">
        CSV file
        <span class="hint" id="file-hint">
          A header row, a column named email, and one column per attribute; dotted names nest (lead.status). Empty cells
          leave an attribute as it was. Up to {MAX_PEOPLE_PER_REQUEST} people and {MAX_PEOPLE_BYTES / 1024 / 1024} MB.
        </span>
      </label>
      <input id="file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="file-hint" />
      <label for="source">
        Source
        <span class="hint" id="source-hint">
          Where these attributes come from: crm, hubspot, salesforce… Audiences read them as source.attribute
          (crm.lead.status).
        </span>
      </label>
      <input
        id="source"
        name="source"
        type="text"
        required
        value={props.source ?? 'crm'}
        pattern="[a-z][a-z0-9_]{0,39}"
        aria-describedby="source-hint"
      />
      <div class="actions">
        <button type="submit">Upload</button>
      </div>
    </form>
  );
}

function Rejections(props: { rows: UploadRejection[] }) {
  if (props.rows.length === 0) return null;
  return (
    <ul class="field-issues">
      {props.rows.slice(0, 50).map((r) => (
        <li>
          Line {r.line}: {r.message}
        </li>
      ))}
      {props.rows.length > 50 && <li>… and {props.rows.length - 50} more.</li>}
    </ul>
  );
}

peopleUploadPages.get('/upload', (c) =>
  c.html(
    <Layout title="Upload people" view={viewOf(c, '/people')}>
      <UploadForm base={c.var.base} csrf={c.var.csrf} />
    </Layout>,
  ),
);

peopleUploadPages.post('/upload', async (c) => {
  const form = await c.req.parseBody();
  const source = typeof form.source === 'string' ? form.source.trim() : '';
  const file = form.file;
  const refuse = (error: string, rejected?: UploadRejection[]) =>
    c.html(
      <Layout title="Upload people" view={viewOf(c, '/people')}>
        <UploadForm base={c.var.base} csrf={c.var.csrf} source={source} error={error} rejected={rejected} />
      </Layout>,
      400,
    );
  if (!(file instanceof File) || file.size === 0) return refuse('Choose a CSV file.');
  if (file.size > MAX_PEOPLE_BYTES) return refuse(`The file is over ${MAX_PEOPLE_BYTES / 1024 / 1024} MB: split it.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await file.arrayBuffer());
  } catch {
    return refuse('The file is not UTF-8 text. Export it as CSV (UTF-8).');
  }
  const out = await uploadPeople(c.env, text, source, c.var.now);
  if (!out.ok) return refuse(out.message, out.rejected);
  await logChange(
    c,
    'people.uploaded',
    `source ${source}`,
    `${out.accepted} accepted, ${out.rejected.length} refused, job ${out.jobId}`,
  );
  const jobPath = `${c.var.base}/people/jobs/${out.jobId}`;
  return c.html(
    <Layout title="Upload accepted" view={viewOf(c, '/people')}>
      <Notice kind="ok">
        {out.accepted} {out.accepted === 1 ? 'person was' : 'people were'} accepted and are being applied as source{' '}
        {source}.{out.rejected.length > 0 && ` ${out.rejected.length} row(s) were refused:`}
        <Rejections rows={out.rejected} />
      </Notice>
      <p>
        <a href={jobPath}>Follow the progress</a>
      </p>
    </Layout>,
    202,
  );
});

peopleUploadPages.get('/jobs/:id', async (c) => {
  const id = c.req.param('id');
  const job = /^job_[0-9a-f]{24}$/.test(id) ? ((await configObject(c.env).job(id)) as Job | null) : null;
  if (!job) throw new ApiError(404, 'not_found', 'There is no such upload job.');
  const finished = job.applied + job.suppressed + job.failed;
  return c.html(
    <Layout title="Upload progress" view={viewOf(c, '/people')}>
      <div id="job" data-refresh={job.state === 'done' ? undefined : '1500'} aria-live="polite">
        <p>
          <strong>{job.state}</strong>: {finished} of {job.total} applied ({job.applied} stored, {job.suppressed}{' '}
          skipped as erased, {job.failed} failed); {job.rejected} refused at upload.
        </p>
        <progress max={Math.max(job.total, 1)} value={finished} aria-label="Upload progress">
          {finished} of {job.total}
        </progress>
        <p class="muted">
          Started <Time ms={job.createdAt} />, updated <Time ms={job.updatedAt} />.
        </p>
      </div>
      {job.failures.length > 0 && (
        <section aria-labelledby="failures">
          <h2 id="failures">Rows that could not be applied</h2>
          <p>
            The queue tried these rows on every delivery and gave up; nothing was applied for them. Fix the cause, then
            send them again.
          </p>
          <DataTable head={['Email', 'Rows', 'Reason', 'Failed']}>
            {job.failures.map((f) => (
              <tr>
                <td>{f.email}</td>
                <td>{f.rows.map((r) => r.source).join(', ')}</td>
                <td>{f.reason}</td>
                <td>
                  <Time ms={f.failedAt} />
                </td>
              </tr>
            ))}
          </DataTable>
          <form method="post" action={`${c.var.base}/people/jobs/${job.id}/retry`}>
            <CsrfField token={c.var.csrf} />
            <div class="actions">
              <button type="submit">Retry {job.failures.length} failed</button>
            </div>
          </form>
        </section>
      )}
      <p>
        <a href={`${c.var.base}/people`}>Back to people</a>
      </p>
    </Layout>,
  );
});

peopleUploadPages.post('/jobs/:id/retry', async (c) => {
  const id = c.req.param('id');
  const out = /^job_[0-9a-f]{24}$/.test(id) ? await retryJobFailures(c.env, id, c.var.now) : null;
  if (!out) throw new ApiError(404, 'not_found', 'There is no such upload job.');
  await logChange(c, 'people.retried', `job ${id}`, `${out.retried} row(s) of ${out.people} people sent again`);
  return c.redirect(`${c.var.base}/people/jobs/${id}`, 303);
});
