import { link } from './link';

// The sender's work on the core's calls that touches storage (localStorage and document.cookie are
// synchronous round trips to the browser; the first in a fresh profile can take tens of ms), each step
// in a task of its own, in order, when the browser is idle (at most 500 ms on). `drain` runs what is
// left at once when the page is hidden or left, so nothing captured is lost.
const steps: (() => unknown)[] = [];
let scheduled = 0;

function run(step?: () => unknown): void {
  try {
    step?.();
  } catch (e) {
    link.warn_(e);
  }
}
function schedule(): void {
  if (scheduled) return;
  scheduled = 1;
  (window.requestIdleCallback || setTimeout)(next, { timeout: 500 });
}

export function later(step: () => unknown): void {
  steps.push(step);
  schedule();
}

function next(): void {
  scheduled = 0;
  run(steps.shift());
  if (steps[0]) schedule();
}

/** Runs every waiting step now (pagehide, visibilitychange to hidden). */
export function drain(): void {
  while (steps[0]) run(steps.shift());
}

/** For tests: how many steps wait. */
export const waiting = (): number => steps.length;
