import { DAY_MS } from '../overview-data';

// Colours with at least 3:1 contrast on white (graphics), told apart by dash pattern too.
const PALETTE = ['#0b5cad', '#a40e26', '#116329', '#7d4e00', '#6639ba', '#0a6b75', '#57606a', '#b3186b'];
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

const W = 640;
const H = 240;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

const dayLabel = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
}

/** Conversions per day per destination as an inline SVG line chart, with a data table for screen readers and keyboard users. */
export function DailyChart(props: { days: number[]; series: { id: string; name: string; counts: number[] }[] }) {
  const { days, series } = props;
  const total = series.reduce((a, s) => a + s.counts.reduce((x, y) => x + y, 0), 0);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.counts)));
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / Math.max(1, days.length - 1);
  const y = (v: number) => H - PAD.bottom - (v * (H - PAD.top - PAD.bottom)) / max;
  const first = dayLabel(days[0]!);
  const last = dayLabel(days[days.length - 1]!);
  const summary =
    series.length === 0
      ? 'No destinations yet.'
      : `${total} conversion${total === 1 ? '' : 's'} from ${first} to ${last} over ${series.length} destination${series.length === 1 ? '' : 's'}: ` +
        series.map((s) => `${s.name} ${s.counts.reduce((a, b) => a + b, 0)}`).join(', ') +
        '.';
  return (
    <figure class="chart">
      <div
        class="chart-scroll"
        tabindex={0}
        role="group"
        aria-label="Conversions per day chart (scrolls sideways on small screens)"
      >
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" focusable="false">
          <title id="chart-title">Conversions per day per destination, last {days.length} days (UTC)</title>
          <desc id="chart-desc">{summary}</desc>
          {[0, max / 2, max].map((v) => (
            <g>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke="#d0d7de" stroke-width="1" />
              <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" font-size="11" fill="#57606a">
                {String(v)}
              </text>
            </g>
          ))}
          {[0, Math.floor((days.length - 1) / 2), days.length - 1].map((i) => (
            <text
              x={x(i)}
              y={H - 8}
              text-anchor={i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'}
              font-size="11"
              fill="#57606a"
            >
              {dayLabel(days[i]!)}
            </text>
          ))}
          {series.map((s, si) => (
            <polyline
              points={s.counts.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
              fill="none"
              stroke={PALETTE[si % PALETTE.length]}
              stroke-width="2"
              stroke-dasharray={DASHES[si % DASHES.length]}
              stroke-linejoin="round"
            />
          ))}
        </svg>
      </div>
      {series.length > 0 && (
        <figcaption>
          <ul class="legend">
            {series.map((s, si) => (
              <li>
                <svg viewBox="0 0 24 8" width="24" height="8" aria-hidden="true" focusable="false">
                  <line
                    x1="0"
                    x2="24"
                    y1="4"
                    y2="4"
                    stroke={PALETTE[si % PALETTE.length]}
                    stroke-width="2"
                    stroke-dasharray={DASHES[si % DASHES.length]}
                  />
                </svg>{' '}
                {s.name}
              </li>
            ))}
          </ul>
        </figcaption>
      )}
      <details>
        <summary>The same numbers as a table</summary>
        <div class="table-wrap">
          <table>
            <caption class="muted">Conversions per day (UTC), newest first</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((s) => (
                  <th scope="col">{s.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days
                .map((day, i) => (
                  <tr>
                    <th scope="row">{dayLabel(day)}</th>
                    {series.map((s) => (
                      <td>{s.counts[i]}</td>
                    ))}
                  </tr>
                ))
                .reverse()}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
