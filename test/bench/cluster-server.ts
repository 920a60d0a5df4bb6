/**
 * Node child of the cluster benchmark: the compiled cloud (dist/, as users run it) on loopback,
 * either in cluster mode on the given Redis with the given node id, or in-memory (the baseline
 * measured in the same run). The per-connection and per-address limits are lifted: every load
 * connection runs thousands of cycles from 127.0.0.1. Reports its signaling URL over IPC; `stop`
 * closes the cloud (a cluster node drains) and exits.
 */
import type * as cloudTypes from '../../src/index.js';

type Cloud = typeof cloudTypes;
const cloud = (await import(new URL('../../dist/src/index.js', import.meta.url).href)) as Cloud;

const [redisUrl, nodeId] = process.argv.slice(2);
process.on('disconnect', () => process.exit(0));
const running = await cloud.createCloud({
  host: '127.0.0.1',
  httpPort: 0,
  stunPort: 0,
  stunAltPort: null,
  relayPort: 0,
  ipv6: false,
  relaySecret: 'b'.repeat(32),
  session: { maxSessionsPerConnection: Number.MAX_SAFE_INTEGER, requestsPerSecond: 1e9, requestBurst: 1e9, maxConnectionsPerAddress: Number.MAX_SAFE_INTEGER },
  ...(redisUrl ? { cluster: { redisUrl, ...(nodeId ? { nodeId } : {}) } } : {}),
});
process.on('message', (command: { cmd: string }) => {
  if (command.cmd !== 'stop') return;
  void running.close().then(() => process.exit(0));
});
process.send?.({ url: running.signalingUrl });
