// Types the test env (cloudflare:test / cloudflare:workers) as the Worker's own Env plus test bindings.
import type { Env as WorkerEnv } from '../../worker/src/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
      /** The Node receiver / media-node stand-in started in setup/global-receiver.ts. */
      RECEIVER_URL: string;
    }
  }
}
