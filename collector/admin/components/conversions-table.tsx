// An audience's conversions as its page lists them: the destination (linked when it still exists),
// the event or conversion action, whether existing members were sent, when it was turned on, and
// the pause / resume and turn-off forms. Apart from routes/admin/audience.tsx (the pages'
// handlers) because it is markup alone over the audience summary's conversions.
import type { StoredConversion } from '../../audiences/types';
import { CsrfField } from './csrf-field';
import { DataTable } from './data-table';
import { Time } from './time';
import { PauseToggle } from './pause-toggle';

export function ConversionsTable(props: {
  base: string;
  /** The audience's admin path; the forms post below it. */
  path: string;
  csrf: string;
  conversions: StoredConversion[];
  /** Names of the configured destinations by id; a conversion to another shows its bare id. */
  destinationNames: Map<string, string>;
}) {
  return (
    <DataTable head={['Destination', 'Event', 'Existing members', 'Turned on', 'State', 'Actions']}>
      {props.conversions.map((cv) => (
        <tr>
          <td>
            {props.destinationNames.has(cv.destinationId) ? (
              <a href={`${props.base}/destinations/${encodeURIComponent(cv.destinationId)}`}>
                {props.destinationNames.get(cv.destinationId)}
              </a>
            ) : (
              <code>{cv.destinationId}</code>
            )}
          </td>
          <td>{cv.eventName ?? cv.conversionAction ?? <span class="muted">destination default</span>}</td>
          <td>{cv.sendExisting ? 'sent if inside the window' : 'skipped'}</td>
          <td>
            <Time ms={cv.enabledAt} />
          </td>
          <td>{cv.paused ? 'paused' : 'on'}</td>
          <td>
            <div class="actions">
              <PauseToggle
                action={`${props.path}/conversions/${encodeURIComponent(cv.id)}/pause`}
                csrf={props.csrf}
                paused={cv.paused}
              />
              <form method="post" action={`${props.path}/conversions/${encodeURIComponent(cv.id)}/off`}>
                <CsrfField token={props.csrf} />
                <button type="submit" class="secondary">
                  Turn off
                </button>
              </form>
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
