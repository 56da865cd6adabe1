import type { Env } from '../env';
import type { AdminSession } from './session';

export type AdminVars = {
  now: number;
  /** The admin's own path prefix, BASE_PATH included: every link and form action starts with it. */
  base: string;
  session: AdminSession | null;
  /** The session's CSRF token ('' before sign-in, where the sign-in form has its own). */
  csrf: string;
};

export type AdminContext = { Bindings: Env; Variables: AdminVars };

export const SESSION_COOKIE = '__Secure-cb_admin';
export const PRE_SIGN_IN_COOKIE = '__Secure-cb_admin_pre';
