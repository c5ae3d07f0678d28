// Media-node and pure-logic tests in plain Node. SIP/RTP tests bind real UDP
// ports and drive SIPp, so files run one at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/node/**/*.test.ts', 'media-node/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
