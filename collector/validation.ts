import type { ZodError } from 'zod';

/** zod issues as `{path, message}` pairs, the `issues` of an error response. */
export function zodIssues(error: ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
