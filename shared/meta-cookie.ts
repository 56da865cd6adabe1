// Meta's fbc / fbp values as Meta's parameter builder (capi-param-builder) reads them:
// fb.<subdomain index>.<creation ms>.<payload>[.<appendix>]. The fifth part, the "appendix", is a
// 2-character language token or an 8-character base64url record (format 1, a language index 1..6,
// the builder's version). A value whose fifth part is anything else is dropped by Meta's builder, so
// it is never sent as written.

const LANGUAGE_TOKENS = ['AQ', 'Ag', 'Aw', 'BA', 'BQ', 'Bg'];
const CORE = /^fb\.\d+\.\d+\.[^.]+$/;

/** Whether `part` is an appendix Meta's builder accepts (its _validateAppendix). */
export function isMetaAppendix(part: string): boolean {
  if (part.length === 2) return LANGUAGE_TOKENS.includes(part);
  if (part.length !== 8 || !/^[A-Za-z0-9_-]+$/.test(part)) return false;
  const bytes = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const language = bytes.charCodeAt(1);
  return bytes.length === 6 && bytes.charCodeAt(0) === 0x01 && language >= 1 && language <= LANGUAGE_TOKENS.length;
}

/** The value as it may be sent: four parts, or five with a valid appendix; null otherwise. */
export function metaCookieValue(value: string): string | null {
  const parts = value.split('.');
  if (parts.length === 4) return CORE.test(value) ? value : null;
  if (parts.length !== 5 || !isMetaAppendix(parts[4]!)) return null;
  return CORE.test(parts.slice(0, 4).join('.')) ? value : null;
}
