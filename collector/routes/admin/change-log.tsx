import { Hono } from 'hono';
import { changeLogPage } from '../../admin/change-log';
import type { AdminContext } from '../../admin/context';
import { Layout } from '../../admin/components/layout';
import { Time } from '../../admin/components/time';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';

export const changeLogPages = new Hono<AdminContext>();

const PAGE = 50;

changeLogPages.get('/', async (c) => {
  const before = /^\d{1,15}$/.test(c.req.query('before') ?? '') ? Number(c.req.query('before')) : null;
  const entries = await changeLogPage(c, before, PAGE);
  return c.html(
    <Layout title="Change log" view={viewOf(c, '/change-log')}>
      <p>
        Every change made in this admin: who (the key the session was opened with, and which session), what and when.
        Newest first; the last 10,000 changes are kept.
      </p>
      {entries.length === 0 ? (
        <p class="muted">No changes recorded yet.</p>
      ) : (
        <DataTable head={['When', 'Who', 'What', 'On', 'Details']}>
          {entries.map((e) => (
            <tr>
              <td>
                <Time ms={e.at} />
              </td>
              <td>{e.actor}</td>
              <td>
                <code class="nowrap">{e.action}</code>
              </td>
              <td>{e.target}</td>
              <td>{e.detail || <span class="muted">—</span>}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {entries.length === PAGE && (
        <p>
          <a href={`${c.var.base}/change-log?before=${entries[entries.length - 1]!.id}`}>Older changes</a>
        </p>
      )}
    </Layout>,
  );
});
