// The overview's match coverage: per destination, the missing key that would lift its score most
// (with the fix), and a table of the last weeks: conversions, mean score, share carrying each key.
import type { CoverageOverview } from '../../conversions/coverage';
import { clickKeyOf, weightsFor } from '../../delivery/match-coverage';
import type { CoverageKey } from '../../delivery/coverage-report';
import { DataTable } from './data-table';
import { KEY_LABELS } from './match-coverage';

const pct = (share: number | undefined) => (share === undefined ? '–' : `${Math.round(share * 100)}%`);

export function CoveragePanel(props: { coverage: CoverageOverview; base: string }) {
  const shown = props.coverage.destinations.filter((d) => d.total.conversions > 0);
  return (
    <section aria-labelledby="coverage">
      <h2 id="coverage">Match coverage, last {props.coverage.weeks} weeks</h2>
      {shown.length === 0 ? (
        <p class="muted">No conversions built in these weeks yet.</p>
      ) : (
        shown.map((d) => {
          const keys = [...(Object.keys(weightsFor(d.type)) as CoverageKey[])];
          if (weightsFor(d.type)[clickKeyOf(d.type)])
            keys.splice(keys.indexOf(clickKeyOf(d.type)) + 1, 0, 'originating_click');
          return (
            <div class="coverage-destination">
              <h3>
                <a href={`${props.base}/destinations/${encodeURIComponent(d.id)}`}>{d.name}</a>: mean score{' '}
                {d.total.meanScore?.toFixed(1)}/10
                <span class="muted">
                  {' '}
                  ({d.scheme === 'meta_emq' ? 'on Meta’s Event Match Quality priority' : 'our scheme'})
                </span>
              </h3>
              {d.lift ? (
                <p class="coverage-lift">{d.lift.sentence}.</p>
              ) : (
                <p class="muted">Every conversion carries every key this platform scores.</p>
              )}
              <DataTable
                head={['Week of', 'Conversions', 'Mean score', ...keys.map((k) => KEY_LABELS[k])]}
                caption={`${d.name}: share of conversions carrying each key, per week (UTC, from Monday)`}
              >
                {d.weeks.map((w) => (
                  <tr>
                    <th scope="row">{w.week}</th>
                    <td>{w.conversions}</td>
                    <td>{w.meanScore === null ? '–' : w.meanScore.toFixed(1)}</td>
                    {keys.map((k) => (
                      <td>{pct(w.shares[k])}</td>
                    ))}
                  </tr>
                ))}
              </DataTable>
            </div>
          );
        })
      )}
      <p class="hint">
        Scores run 0 to 10: Meta’s on the priority Meta publishes for its Event Match Quality parameters, the others on
        our own scheme (the originating click ID counts most, then email, phone, IP and user agent, name and address).
        Counted when each conversion is built. Details in docs/delivery.md, “Match coverage”.
      </p>
    </section>
  );
}
