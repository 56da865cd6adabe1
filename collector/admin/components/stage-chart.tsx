import { BIDDING_MIN_PER_MONTH } from '../../../shared/ladder-stats';

const W = 240;
const H = 64;
const PAD = 2;
// 30 a month, as a weekly line.
const MIN_PER_WEEK = (BIDDING_MIN_PER_MONTH * 7) / 30.4375;

/** One stage's conversions per week as small bars, with the line of 30 a month; the numbers are in the table beside it. */
export function StageChart(props: { id: string; name: string; weekly: number[] }) {
  const { weekly } = props;
  const max = Math.max(MIN_PER_WEEK * 1.25, ...weekly);
  const bar = (W - PAD * 2) / weekly.length;
  const y = (v: number) => H - PAD - (v * (H - PAD * 2)) / max;
  const total = weekly.reduce((a, b) => a + b, 0);
  return (
    <svg
      class="stage-chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-labelledby={`${props.id}-t`}
      focusable="false"
    >
      <title id={`${props.id}-t`}>
        {`${props.name}: ${total} conversion${total === 1 ? '' : 's'} over the last ${weekly.length} weeks, per week oldest first: ${weekly.join(', ')}. The dashed line is ${BIDDING_MIN_PER_MONTH} a month.`}
      </title>
      <rect x="0" y="0" width={W} height={H} fill="#f6f8fa" />
      {weekly.map((v, i) => (
        <rect
          x={(PAD + i * bar + 1).toFixed(1)}
          y={y(v).toFixed(1)}
          width={Math.max(1, bar - 2).toFixed(1)}
          height={(H - PAD - y(v)).toFixed(1)}
          fill="#0b5cad"
        />
      ))}
      <line
        x1="0"
        x2={W}
        y1={y(MIN_PER_WEEK).toFixed(1)}
        y2={y(MIN_PER_WEEK).toFixed(1)}
        stroke="#a40e26"
        stroke-width="1"
        stroke-dasharray="4 3"
      />
    </svg>
  );
}
