// `punchthrough cloud --config FILE`: per-app auth and plugins from a JSON file, "$env:NAME"
// secrets from the environment, plugin modules imported relative to the file; every bad file
// exits 2 (1 for a value the service refuses) naming the file and the key, never a secret.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Feature, PROTOCOL_VERSION, RequestType } from '../../../src/protocol/index.js';
import { spawnCli } from '../../support/cli.js';
import { SignalingError, TestSignalingClient } from '../../support/signaling-client.js';

const PLUGINS = fileURLToPath(new URL('../../fixtures/config/plugins.mjs', import.meta.url));
const BROKEN = fileURLToPath(new URL('../../fixtures/config/broken-plugins.mjs', import.meta.url));
const CLOUD_FLAGS = ['cloud', '--host', '127.0.0.1', '--http-port', '0', '--stun-port', '0', '--stun-alt-port', '0', '--relay-port', '0', '--no-ipv6', '--json'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pt-config-'));
});

const write = async (name: string, content: unknown): Promise<string> => {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

const appConfig = (plugins: string) => ({
  apps: {
    'my-game': {
      auth: { providers: [{ type: 'custom', url: 'https://auth.example.com/photon' }], tokenKeys: ['$env:PT_TEST_AUTH_KEY'] },
      plugins: { module: plugins, defaultPlugin: 'echo' },
    },
  },
  egress: { allowInsecureHttp: false },
});

describe('punchthrough cloud --config', () => {
  it('starts with the file: its app requires authentication, a $env: key is read, the plugin module loads', async () => {
    const file = await write('ok.json', appConfig(PLUGINS));
    const secret = randomBytes(32).toString('base64');
    const cloud = spawnCli([...CLOUD_FLAGS, '--config', file], { PT_TEST_AUTH_KEY: secret });
    try {
      const ready = await cloud.waitFor((line) => line.event === 'ready');
      const url = `${String(ready.http).replace(/^http/, 'ws')}/v1/signaling`;
      const client = await TestSignalingClient.connect(url);
      const refused = await client
        .request({ type: RequestType.HELLO, appId: 'my-game', appVersion: '1', protocolVersion: PROTOCOL_VERSION, features: [Feature.CODES_V2, Feature.AUTH] })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SignalingError);
      expect((refused as SignalingError).reply.code).toBe('AUTH_REQUIRED');
      // Another app has no auth entry and no '*': it is let in as before.
      const other = await TestSignalingClient.hello(url, 'other-game');
      await other.close();
      await client.close();
      expect(cloud.stderr()).not.toContain(secret);
    } finally {
      expect(await cloud.stop()).toBe(0);
    }
  });

  it('exits 2 naming the key and the variable when a $env: variable is missing', async () => {
    const file = await write('missing-env.json', appConfig(PLUGINS));
    const cloud = spawnCli([...CLOUD_FLAGS, '--config', file], { PT_TEST_AUTH_KEY: '' });
    expect(await cloud.exited).toBe(2);
    expect(cloud.stderr()).toContain('apps.my-game.auth.tokenKeys[0]');
    expect(cloud.stderr()).toContain('PT_TEST_AUTH_KEY');
  });

  it('exits 2 for invalid JSON, an unknown top-level key and a module that fails to import, naming the file and key', async () => {
    const badJson = await write('bad.json', '{"apps": {');
    const unknown = await write('unknown.json', { apps: {}, relays: [] });
    const broken = await write('broken.json', { apps: { '*': { plugins: { module: BROKEN } } } });
    const cases: Array<[string, RegExp]> = [
      [badJson, /bad\.json: invalid JSON/],
      [unknown, /unknown\.json: unknown key "relays"/],
      [broken, /broken\.json: apps\.\*\.plugins\.module: cannot import .*this module fails on import/],
    ];
    for (const [file, message] of cases) {
      const cloud = spawnCli([...CLOUD_FLAGS, '--config', file]);
      expect(await cloud.exited).toBe(2);
      expect(cloud.stderr()).toMatch(message);
    }
  });

  it('fails the start with INVALID_OPTIONS naming the key of a value the service refuses', async () => {
    const file = await write('bad-url.json', { apps: { 'my-game': { auth: { providers: [{ type: 'custom', url: 'ftp://auth.example.com' }] } } } });
    const cloud = spawnCli([...CLOUD_FLAGS, '--config', file]);
    const failed = await cloud.waitFor((line) => line.event === 'failed');
    expect(failed.code).toBe('INVALID_OPTIONS');
    expect(String(failed.message)).toContain('apps.my-game.auth.providers[0].url');
    expect(await cloud.exited).toBe(1);
  });
});
