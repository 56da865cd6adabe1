import { ADMIN_CSS } from './admin-css';
import { ADMIN_JS } from './admin-js';

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** Changes whenever an asset does, so pages can let browsers cache assets for long. */
export const ASSET_VERSION = fnv1a(ADMIN_CSS + ADMIN_JS);
export { ADMIN_CSS, ADMIN_JS };
