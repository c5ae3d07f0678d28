/** TenantPacer: per-tenant calls-per-second and concurrency; placeholder until the next commit. */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';

export class TenantPacer extends DurableObject<Env> {}
