import type { ConversionRow, Entry } from '../../audiences/types';
import { KEY_LABELS, scoreText } from './match-coverage';
import type { ConversionLogEntry } from '../../conversions/log';
import { Time } from './time';
import { DataTable } from './data-table';

export interface PersonAudienceHistory {
  entries: Entry[];
  exits: { audienceId: string; at: number; reason: string; timestampMs: number | null }[];
  conversions: ConversionRow[];
}

const EXIT_REASONS: Record<string, string> = {
  criteria: 'criteria stopped holding',
  no_timestamp: 'timestamp missing or unreadable',
  timestamp_too_old: 'timestamp left the window',
  timestamp_in_future: 'timestamp in the future',
};

/** A person's audience entries and exits, and the conversion rows made for them. */
export function PersonAudiences(props: {
  base: string;
  history: PersonAudienceHistory;
  names: Map<string, string>;
  deliveries?: Map<string, ConversionLogEntry | null>;
}) {
  const { entries, exits, conversions } = props.history;
  const audience = (id: string) => {
    const name = props.names.get(id);
    return name ? (
      <a href={`${props.base}/audiences/${encodeURIComponent(id)}`}>{name}</a>
    ) : (
      <span class="muted">{`${id} (deleted)`}</span>
    );
  };
  return (
    <>
      <section aria-labelledby="memberships">
        <h2 id="memberships">Audiences</h2>
        {entries.length === 0 && exits.length === 0 ? (
          <p class="muted">Not in any audience.</p>
        ) : (
          <DataTable head={['Audience', 'What', 'Timestamp', 'When']}>
            {entries.map((e) => (
              <tr>
                <td>{audience(e.audienceId)}</td>
                <td>
                  entered <span class="muted">(event id {e.id})</span>
                </td>
                <td>
                  <Time ms={e.timestamp * 1000} />
                </td>
                <td>
                  <Time ms={e.enteredAt} />
                </td>
              </tr>
            ))}
            {exits.map((x) => (
              <tr>
                <td>{audience(x.audienceId)}</td>
                <td>left: {EXIT_REASONS[x.reason] ?? x.reason}</td>
                <td>
                  <Time ms={x.timestampMs} />
                </td>
                <td>
                  <Time ms={x.at} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      <section aria-labelledby="conversions">
        <h2 id="conversions">Conversions</h2>
        {conversions.length === 0 ? (
          <p class="muted">No conversion rows: nothing has been or will be sent for this person yet.</p>
        ) : (
          <DataTable head={['Audience', 'Destination', 'Status', 'Event time', 'Updated']}>
            {conversions.map((r) => {
              const d = props.deliveries?.get(r.id) ?? null;
              return (
                <tr>
                  <td>{audience(r.audienceId)}</td>
                  <td>
                    {d?.destinationName ? (
                      <a href={`${props.base}/destinations/${encodeURIComponent(r.destinationId)}`}>
                        {d.destinationName}
                      </a>
                    ) : (
                      <code>{r.destinationId}</code>
                    )}
                  </td>
                  <td>
                    <span
                      class={`badge status-${(d?.status ?? r.status) === 'dead_letter' ? 'dead' : (d?.status ?? r.status)}`}
                    >
                      {d?.status ?? r.status}
                    </span>
                    {r.reason && <span class="muted"> {r.reason.replace(/_/g, ' ')}</span>}
                    {d && (
                      <>
                        {' '}
                        <a href={`${props.base}/conversions/${encodeURIComponent(d.id)}`}>
                          Payload and the platform's answer
                        </a>
                        {d.coverage && (
                          <span class="muted">
                            {' '}
                            · match coverage {scoreText(d.coverage)}:{' '}
                            {d.coverage.keys.map((k) => KEY_LABELS[k]).join(', ') || 'no match key'}
                          </span>
                        )}
                      </>
                    )}
                  </td>
                  <td>
                    <Time ms={r.timestamp * 1000} />
                  </td>
                  <td>
                    <Time ms={d?.updatedAt ?? r.updatedAt} />
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </section>
    </>
  );
}
