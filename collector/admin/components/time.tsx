import { formatTime, isoTime } from '../format';

export function Time(props: { ms: number | null | undefined }) {
  if (typeof props.ms !== 'number') return <span class="muted">—</span>;
  return <time datetime={isoTime(props.ms)}>{formatTime(props.ms)}</time>;
}
