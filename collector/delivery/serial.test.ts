import { describe, expect, it } from 'vitest';
import { serialExecutor } from './serial';

/** A task that records when it starts and ends and finishes when `release()` is called. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { release, task: async () => (log.push(`${name} start`), await done, log.push(`${name} end`), name) };
}

describe('serialExecutor', () => {
  it('runs one task at a time, in call order, even when a later one is ready first', async () => {
    const run = serialExecutor();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const ra = run(a.task);
    const rb = run(b.task);
    b.release();
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['a start']);
    a.release();
    expect(await Promise.all([ra, rb])).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('a failing task rejects its own caller and does not block the next', async () => {
    const run = serialExecutor();
    const failing = run(async () => {
      throw new Error('token refresh refused');
    });
    const throwsAtOnce = run(() => {
      throw new Error('sync');
    });
    const next = run(async () => 'sent');
    await expect(failing).rejects.toThrow('token refresh refused');
    await expect(throwsAtOnce).rejects.toThrow('sync');
    expect(await next).toBe('sent');
  });

  it('two executors do not wait for each other', async () => {
    const [one, two] = [serialExecutor(), serialExecutor()];
    const log: string[] = [];
    const slow = gate(log, 'slow');
    const pending = one(slow.task);
    expect(await two(async () => 'other')).toBe('other');
    expect(log).toEqual(['slow start']);
    slow.release();
    await pending;
  });
});
