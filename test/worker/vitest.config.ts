// Worker tests run inside workerd (the real runtime) with D1, Durable Objects
// and R2 emulated by Miniflare and the D1 migrations applied before each file.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const root = new URL('../..', import.meta.url).pathname;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations`);
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: `${root}/worker/src/index.ts`,
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            RECEIVER_URL: inject('receiverUrl'),
            // Short clocks so guard, retry and node-loss tests finish in seconds.
            MEDIA_NODE_HEARTBEAT_TIMEOUT_S: '2',
            NO_MEDIA_NODE_WAIT_S: '2',
            MEDIA_RECONCILE_GRACE_S: '3',
            WEBHOOK_RETRY_DELAYS_MS: '0,300,600,900,1200',
            // Dialer webhook subscriptions may point at the local receiver (http://127.0.0.1).
            WEBHOOK_ALLOW_LOOPBACK: 'true',
            // The operator API is off unless this is set (test/worker/helpers/dialer.ts PLATFORM_TOKEN).
            PLATFORM_ADMIN_TOKEN: 'test-platform-token-0123456789abcdef-xyz',
            // test/worker/fuzz: replay a seed, run more rounds, log per operation.
            ...Object.fromEntries(['FUZZ_SEED', 'FUZZ_ROUNDS', 'FUZZ_VERBOSE', 'FUZZ_FULL'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
          },
        },
      })),
    ],
    test: {
      root,
      include: ['test/worker/**/*.test.ts'],
      setupFiles: ['test/worker/setup/apply-migrations.ts'],
      globalSetup: ['test/worker/setup/global-receiver.ts'],
      testTimeout: 30_000,
    },
  };
});
