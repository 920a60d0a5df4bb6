// A separate TypeScript game that installs the packed tarball: its files, its lockfile (so npm
// installs offline from the cache `npm ci` filled) and its tsconfigs for each module resolution.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}
interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** The consumer's tools, taken from the repository's lockfile at the versions it pins. */
const CONSUMER_DEV_PACKAGES = ['typescript', '@types/node'];

/**
 * Module resolutions the consumer typechecks under: [tsconfig name, module, moduleResolution,
 * skipLibCheck]. node16 also checks every declaration file (ours and our dependencies'), once:
 * that is most of the time a check takes; the others check the game against the same files.
 */
export const RESOLUTIONS = [
  ['node16', 'node16', 'node16', false],
  ['nodenext', 'nodenext', 'nodenext', true],
  ['bundler', 'esnext', 'bundler', true],
  ['node10', 'es2022', 'node10', true],
] as const;

/**
 * The consumer's lockfile: the tarball, the repository lockfile's production packages at their
 * pinned versions and integrities, and the consumer's dev tools. With every version and
 * integrity pinned, `npm ci --offline` needs no registry metadata, only the tarballs `npm ci`
 * put in the cache, so the install works without the network (ranges would need packuments,
 * which `npm ci` does not cache).
 */
function consumerLock(repoRoot: string, tarball: string, manifest: Record<string, unknown>): object {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages: Record<string, LockEntry> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  const devDependencies: Record<string, string> = {};
  const addDev = (name: string): void => {
    const path = `node_modules/${name}`;
    const entry = lock.packages[path];
    if (!entry?.version) throw new Error(`${name} is not in the repository's lockfile`);
    packages[path] ??= { ...entry, dev: true };
    for (const dependency of Object.keys(entry.dependencies ?? {})) addDev(dependency);
  };
  for (const name of CONSUMER_DEV_PACKAGES) {
    addDev(name);
    devDependencies[name] = lock.packages[`node_modules/${name}`]!.version!;
  }
  packages['node_modules/punchthrough'] = {
    version: manifest.version as string,
    resolved: `file:${tarball}`,
    license: manifest.license,
    dependencies: manifest.dependencies as Record<string, string>,
    bin: manifest.bin,
    engines: manifest.engines,
  };
  return {
    name: 'consumer-game',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer-game', version: '1.0.0', dependencies: { punchthrough: `file:${tarball}` }, devDependencies },
      ...packages,
    },
  };
}

/** The game: a cloud from `punchthrough/cloud` on port 0, a host and a client that connect. */
const GAME = `// A tiny game on the installed package: prints one JSON line once the client is connected.
import { NetworkRunner, isPunchthroughError, type PeerConnectedEvent, type ShutdownEvent } from 'punchthrough';
import { createCloud, type Cloud } from 'punchthrough/cloud';
import { createStunServer, type StunServer } from 'punchthrough/stun';
import { createRelayServer, type RelayServer } from 'punchthrough/relay';
import { createVirtualNetwork, type VirtualNetwork } from 'punchthrough/testing';

// Every subpath's types resolved (an unresolved import would be \`any\` and fail here).
type IsAny<T> = 0 extends 1 & T ? true : false;
const anyTypes: [IsAny<NetworkRunner>, IsAny<Cloud>, IsAny<StunServer>, IsAny<RelayServer>, IsAny<VirtualNetwork>] = [false, false, false, false, false];
const factories: ReadonlyArray<unknown> = [createStunServer, createRelayServer, createVirtualNetwork];

const cloud: Cloud = await createCloud({
  host: '127.0.0.1', httpPort: 0, stunPort: 0, stunAltPort: null, relayPort: 0, ipv6: false,
});
const options = { cloudUrl: cloud.httpUrl, appId: 'consumer-game', appVersion: '1', ipv6: false };
const host = new NetworkRunner(options);
const client = new NetworkRunner(options);
const shutdowns: ShutdownEvent[] = [];
client.on('shutdown', (event) => shutdowns.push(event));
host.on('message', ({ peerId, data }) => host.send(peerId, data));
try {
  const { sessionName } = await host.startGame({ mode: 'server', sessionProperties: { map: 'dust' } });
  const started = await client.startGame({ mode: 'client', sessionName });
  const server: PeerConnectedEvent | undefined = started.server;
  const echoed = new Promise<number>((resolve) => client.on('message', ({ data }) => resolve(data.byteLength)));
  if (server) client.send(server.peerId, new Uint8Array([1, 2, 3]));
  const bytes = await echoed;
  await client.shutdown();
  console.log(JSON.stringify({
    connected: server?.path ?? null,
    echoedBytes: bytes,
    shutdown: shutdowns[0]?.reason ?? null,
    exports: factories.every((factory) => typeof factory === 'function') && anyTypes.every((isAny) => !isAny),
  }));
} catch (error) {
  console.log(JSON.stringify({ failed: isPunchthroughError(error) ? error.code : String(error) }));
  process.exitCode = 1;
} finally {
  await client.shutdown();
  await host.shutdown();
  await cloud.close();
}
`;

/** The strict settings a careful game uses; each resolution adds its module options. */
const STRICT = {
  target: 'ES2022',
  lib: ['ES2023'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  types: ['node'],
};

/** Writes the consumer project into `dir`, where the tarball `tarball` already lies. */
export function writeConsumerProject(dir: string, repoRoot: string, tarball: string): void {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = consumerLock(repoRoot, tarball, manifest) as { packages: { '': object } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...lock.packages[''], private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  writeFileSync(join(dir, 'game.ts'), GAME);
  for (const [name, module, moduleResolution, skipLibCheck] of RESOLUTIONS) {
    const compilerOptions = { ...STRICT, module, moduleResolution, skipLibCheck, outDir: `build-${name}` };
    writeFileSync(join(dir, `tsconfig.${name}.json`), `${JSON.stringify({ compilerOptions, files: ['game.ts'] }, null, 2)}\n`);
  }
}
