import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An expected failure: mapped by app.onError to `{error:{code,message,issues?}}`. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

export function errorBody(code: string, message: string, issues?: unknown) {
  return { error: issues === undefined ? { code, message } : { code, message, issues } };
}
