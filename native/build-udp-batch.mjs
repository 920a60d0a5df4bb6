// Builds the batched UDP addon (native/udp-batch) during `npm ci`; a failure warns and never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addonDir = join(here, 'udp-batch');
const warn = (why) => console.warn(`punchthrough: batched UDP addon not built (${why}); the relay and STUN server use node:dgram`);

function findNodeGyp() {
  // npm tells lifecycle scripts where its bundled node-gyp is; otherwise look next to node.
  const candidates = [
    process.env.npm_config_node_gyp,
    resolve(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((path) => path && existsSync(path));
}

function main() {
  if (process.platform !== 'linux') return warn(`recvmmsg/sendmmsg are Linux-only, this is ${process.platform}`);
  if (process.env.PUNCHTHROUGH_SKIP_ADDON === '1') return warn('PUNCHTHROUGH_SKIP_ADDON=1');
  if (!existsSync(join(addonDir, 'binding.gyp'))) return warn('no native/udp-batch sources');
  const gyp = findNodeGyp();
  if (!gyp) return warn('node-gyp not found next to npm');
  // node-gyp cannot download Node's headers without the internet: use the ones installed with node.
  const prefix = resolve(dirname(process.execPath), '..');
  const args = [gyp, 'rebuild', '--loglevel=warn'];
  if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
  const logPath = join(addonDir, 'build.log');
  const log = openSync(logPath, 'w');
  try {
    const result = spawnSync(process.execPath, args, { cwd: addonDir, stdio: ['ignore', log, log] });
    if (result.error) return warn(result.error.message);
    if (result.status !== 0) return warn(`node-gyp exited with ${result.status}; see ${logPath}`);
  } finally {
    closeSync(log);
  }
}

main();
