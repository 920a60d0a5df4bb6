// Review 15: the issue asks for per-app config "validated at start with INVALID_OPTIONS naming the
// key". apps.<id>.rpc is checked more loosely than apps.<id>.auth: a typo'd key, a secret that is
// not whsec_, a timeout beyond the SDK's 10 s request timeout, and an http: base URL without
// egress.allowInsecureHttp all start fine — and then fail (or hang the client) at every call.
import { describe, expect, it } from 'vitest';
import { validateApps } from '../../../src/session/apps.js';

const rpc = (http: Record<string, unknown>) => ({ game: { rpc: { http: { baseUrl: 'https://backend.example.com/rpc', secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')], ...http } } } });

describe('review15: apps.<id>.rpc is validated at start like apps.<id>.auth', () => {
  it.each([
    ['an unknown key (typo)', rpc({ timeoutMS: 1_000 }), 'apps.game.rpc.http.timeoutMS'],
    ['a secret that is not whsec_', rpc({ secrets: ['hunter2'] }), 'apps.game.rpc.http.secrets[0]'],
    ['a timeout beyond the SDK request timeout', rpc({ timeoutMs: 60_000 }), 'apps.game.rpc.http.timeoutMs'],
    ['an http: base URL without allowInsecureHttp', rpc({ baseUrl: 'http://backend.example.com/rpc' }), 'apps.game.rpc.http.baseUrl'],
  ])('%s fails the start naming the key', (_what, apps, key) => {
    expect(() => validateApps(apps, { allowInsecureHttp: false })).toThrow(key);
  });
});
