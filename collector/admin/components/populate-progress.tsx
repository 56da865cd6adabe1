import type { JobStatus } from '../../objects/config-audiences';
import { Time } from './time';

const REASONS: Record<JobStatus['reason'], string> = {
  created: 'first population',
  edited: 'repopulation after an edit',
  conversion: 'conversion sweep',
  deleted: 'cancellation sweep',
};

/** How far the latest populate job got. While it runs, the client script refreshes this block. */
export function PopulateProgress(props: { job: JobStatus | null; compact?: boolean }) {
  const job = props.job;
  if (!job) return <span class="muted">not started</span>;
  const running = job.status === 'running';
  const label = running ? 'running' : job.status === 'done' ? 'done' : 'superseded by a newer run';
  if (props.compact) {
    return (
      <span>
        {label}
        {running && ` (${job.evaluated} of ${job.total})`}
      </span>
    );
  }
  return (
    <div id="populate" data-refresh={running ? '2000' : undefined} aria-live="polite">
      <p>
        {REASONS[job.reason]}: <strong>{label}</strong>. {job.evaluated} of {job.total} people evaluated, {job.members}{' '}
        members found.
      </p>
      {job.failed > 0 && (
        <p class="notice notice-error">
          {job.failed} {job.failed === 1 ? 'person' : 'people'} could not be evaluated after repeated attempts and{' '}
          {job.failed === 1 ? 'is' : 'are'} not counted as members; each is evaluated again at their next change. Saving
          the audience again retries everyone.
        </p>
      )}
      <progress
        max={Math.max(job.total, 1)}
        value={job.total === 0 ? 1 : job.evaluated + job.failed}
        aria-label="Populate progress"
      >
        {job.evaluated + job.failed} of {job.total}
      </progress>
      <p class="muted">
        Started <Time ms={job.createdAt} />
        {job.finishedAt !== null && (
          <>
            , finished <Time ms={job.finishedAt} />
          </>
        )}
        .
      </p>
    </div>
  );
}
