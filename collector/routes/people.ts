import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { personByEmail } from '../identity';

export const people = new Hono<AppContext>();

people.get('/:email', async (c) => {
  const email = c.req.param('email');
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) throw new ApiError(400, 'invalid_email', 'path must end in an email address');
  const snapshot = await (await personByEmail(c.env, email)).snapshot();
  if (!snapshot) throw new ApiError(404, 'not_found', 'no such person');
  return c.json(snapshot);
});
