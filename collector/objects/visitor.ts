import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

// Declared in wrangler.toml's first migration; its storage and methods arrive with their issue.
export class VisitorObject extends DurableObject<Env> {}
