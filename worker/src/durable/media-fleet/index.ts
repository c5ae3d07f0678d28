/** MediaFleet: which media nodes are alive, their load; placeholder until the next commit. */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';

export class MediaFleet extends DurableObject<Env> {}
