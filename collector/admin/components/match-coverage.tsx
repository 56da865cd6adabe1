// A conversion's match coverage in the admin: its score, the keys it carries (the click ID marked as
// originating or not) and the scored keys it lacks. Used by the delivery log, the member audit and
// the person page.
import type { MatchKey } from '../../delivery/match-keys';
import { weightsFor, type MatchCoverage } from '../../delivery/match-coverage';

export const KEY_LABELS: Record<MatchKey | 'originating_click', string> = {
  click_id: 'click ID',
  originating_click: 'originating click',
  email: 'email',
  phone: 'phone',
  name_address: 'name + address',
  fbc: 'fbc',
  fbp: 'fbp',
  ip_user_agent: 'IP + user agent',
  external_id: 'external id',
  consent: 'consent',
};

/** "7.5/10". */
export const scoreText = (c: MatchCoverage): string => `${c.score.toFixed(1)}/10`;

export function CoverageLine(props: {
  coverage: MatchCoverage | null;
  keys: readonly MatchKey[];
  type: string | null;
}) {
  const c = props.coverage;
  if (!c) return props.keys.length ? <p>Match keys: {props.keys.map((k) => KEY_LABELS[k]).join(', ')}</p> : null;
  const carried = c.keys.map((k) =>
    k === 'click_id' && c.originatingClick !== null
      ? `${KEY_LABELS[k]} (${c.originatingClick ? 'originating' : 'outside the click window'})`
      : KEY_LABELS[k],
  );
  const missing = props.type
    ? (Object.keys(weightsFor(props.type)) as MatchKey[]).filter((k) => !c.keys.includes(k))
    : [];
  return (
    <p class="coverage">
      Match coverage <strong>{scoreText(c)}</strong>{' '}
      <span class="muted">
        (
        {c.scheme === 'meta_emq'
          ? 'on Meta’s Event Match Quality priority'
          : 'our scheme: the platform publishes no weighting'}
        )
      </span>
      : {carried.join(', ') || 'no match key'}
      {missing.length > 0 && <span class="muted">; lacks {missing.map((k) => KEY_LABELS[k]).join(', ')}</span>}.
    </p>
  );
}
