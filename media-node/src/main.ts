/** Media node process entry: configuration from the environment, SIGTERM/SIGINT drain, exit 0. */
import { ConfigError, loadConfig } from './config/env.ts';
import { startMediaNode } from './media-node.ts';
import { configureRtpIo } from './rtp/udp/rtp-socket.ts';

let config;
try {
  config = loadConfig();
  configureRtpIo(config.RTP_IO);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`crier media node: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
const node = await startMediaNode(config);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await node.shutdown();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
