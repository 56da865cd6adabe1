// Errors reach the log by name only, with a few stack frames for unexpected ones: messages may
// carry emails, tokens or a platform's answer about a person, which the logs must never hold.

/** An error's name (`TypeError`, `SourceError`), or the type of what was thrown. */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

/** One log line: what failed, and the name of the error. */
export function logError(what: string, e: unknown): void {
  console.error(what, errorName(e));
}

/** An unhandled error: its name and three stack frames (file and line, nothing the request held). */
export function logUnhandled(what: string, e: unknown): void {
  console.error(what, errorName(e), e instanceof Error ? (e.stack?.split('\n').slice(1, 4).join(' ') ?? '') : '');
}
