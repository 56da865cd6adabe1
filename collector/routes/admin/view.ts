import type { Context } from 'hono';
import type { PageView } from '../../admin/components/layout';
import type { AdminContext } from '../../admin/context';
import type { Section } from '../../admin/nav';

export function viewOf(c: Context<AdminContext>, section?: Section): PageView {
  return { base: c.var.base, csrf: c.var.csrf, signedIn: c.var.session !== null, section };
}
