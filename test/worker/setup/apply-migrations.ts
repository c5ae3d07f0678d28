// Applies the drizzle-kit migrations to the test D1 database before each file.
import { applyD1Migrations, env } from 'cloudflare:test';

declare module 'cloudflare:test' {
  interface ProvidedEnv {
    TEST_MIGRATIONS: D1Migration[];
    /** The Node receiver / media-node stand-in started in global-receiver.ts. */
    RECEIVER_URL: string;
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
