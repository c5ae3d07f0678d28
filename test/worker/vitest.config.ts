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
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, RECEIVER_URL: inject('receiverUrl') } },
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
