import type { ZodError } from 'zod';
import { formatPath } from '../../shared/criteria-validation';

export interface DefinitionIssue {
  /** The node that is wrong, e.g. `criteria.all[2].op` or `timestamp.withinDays`. */
  path: string;
  message: string;
}

/** zod issues of an audience or conversion definition, with paths written the way users write them. */
export function definitionIssues(error: ZodError): DefinitionIssue[] {
  return error.issues.slice(0, 20).map((i) => ({
    path: i.path.length ? formatPath(i.path.map((s) => (typeof s === 'symbol' ? String(s) : s))) : '(body)',
    message: i.message,
  }));
}
