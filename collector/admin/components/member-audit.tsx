import type { MemberAudit } from '../../audiences/audit';
import { scoreText } from './match-coverage';
import { displayValue } from '../flatten';
import { prettyJson } from '../format';
import { Time } from './time';
import { DataTable } from './data-table';

const REASONS: Record<string, string> = {
  criteria: 'criteria no longer hold',
  no_timestamp: 'the timestamp is missing or unreadable',
  timestamp_too_old: 'the timestamp left the window',
  timestamp_in_future: 'the timestamp is in the future',
};

// A conversion's retraction (an exit marked as a reversal), in words.
const RETRACTION: Record<string, string> = {
  sent: 'sent: the conversion was withdrawn',
  no_retraction: 'recorded only: the platform takes no retraction',
  not_sent: 'not needed: the conversion was never sent',
  pending: 'pending in the outbox',
  failed: 'failed',
  skipped: 'skipped',
};

export function MemberAuditTable(props: { base: string; members: (MemberAudit & { memberSince: number })[] }) {
  if (props.members.length === 0)
    return <p class="muted">No members yet. If the audience was just saved, its population may still be running.</p>;
  return (
    <DataTable head={['Person', 'Timestamp', 'Values read', 'Conversions']}>
      {props.members.map((m) => (
        <tr>
          <td>
            <a href={`${props.base}/people/${encodeURIComponent(m.email)}`}>{m.email}</a>
            <div class="muted">
              {m.member ? (
                <>
                  member since <Time ms={m.memberSince} />
                </>
              ) : (
                `not a member now: ${REASONS[m.reason ?? ''] ?? m.reason}`
              )}
            </div>
          </td>
          <td>{m.timestamp === null ? <span class="muted">—</span> : <Time ms={m.timestamp * 1000} />}</td>
          <td>
            <dl class="attrs">
              {Object.entries(m.values).map(([field, v]) => (
                <>
                  <dt>
                    <code>{field}</code>
                  </dt>
                  <dd>
                    {v.value === undefined ? <span class="muted">missing</span> : displayValue(v.value)}
                    {v.parsed && v.parsed !== displayValue(v.value) && <span class="muted"> ({v.parsed})</span>}
                  </dd>
                </>
              ))}
            </dl>
          </td>
          <td>
            {m.conversions.length === 0 && <span class="muted">no conversion turned on</span>}
            {m.conversions.map((cv) => (
              <div class="card">
                <strong>
                  <code>{cv.destinationId}</code>
                </strong>{' '}
                {cv.status && <span class={`badge status-${cv.status}`}>{cv.status}</span>}
                {cv.retraction && (
                  <p class="retraction">
                    <span class="badge">retraction</span> {RETRACTION[cv.retraction.state]}{' '}
                    <Time ms={cv.retraction.at} />
                    {cv.retraction.note && (cv.retraction.state === 'failed' || cv.retraction.state === 'skipped') && (
                      <span class="muted"> ({cv.retraction.note})</span>
                    )}
                  </p>
                )}
                {'payload' in cv ? (
                  <details>
                    <summary>
                      Would send
                      {cv.matchKeys.length ? `: ${cv.matchKeys.map((k) => k.replace(/_/g, ' ')).join(', ')}` : ''}
                      {cv.coverage ? ` · coverage ${scoreText(cv.coverage)}` : ''}
                    </summary>
                    <pre>{prettyJson(cv.payload)}</pre>
                  </details>
                ) : (
                  <p>
                    Skipped: <strong>{cv.skip.replace(/_/g, ' ')}</strong>. {cv.detail}
                  </p>
                )}
                {cv.identity && (
                  <details>
                    <summary>
                      Identifiers ({cv.identity.filter((s) => s.field).length} of {cv.identity.length} found)
                    </summary>
                    <ul>
                      {cv.identity.map((s) => (
                        <li>
                          {s.identifier}:{' '}
                          {s.field ? (
                            <code>{s.field}</code>
                          ) : (
                            <span class="muted">{'reason' in s ? s.reason : ''}</span>
                          )}
                          {s.skipped.map((k) => (
                            <span class="muted">
                              {' '}
                              (skipped {k.field}: {k.reason})
                            </span>
                          ))}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </div>
            ))}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
