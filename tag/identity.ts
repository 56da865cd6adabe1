/** A random id for anonymous ids and message ids (URL-safe, 16+ characters). */
export function randomId(): string {
  // randomUUID needs a secure context (https, localhost); plain-http pages get a weaker id.
  return crypto.randomUUID?.() || Math.random().toString(36).slice(2) + Date.now().toString(36);
}
