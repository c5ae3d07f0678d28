/** Placeholder: routes arrive in the next commit. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';

export function mediaApiRoutes() {
  return new OpenAPIHono<AppEnv>();
}
