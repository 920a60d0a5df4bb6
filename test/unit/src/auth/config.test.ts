// validateAuthConfig: every key typed and bounded; the error names the key path.
import { describe, expect, it } from 'vitest';
import { validateAuthConfig } from '../../../../src/auth/index.js';
import { validateApps } from '../../../../src/session/apps.js';

const provider = { type: 'custom', url: 'https://auth.example.com/photon' };
const refusal = (value: unknown, policy = {}): string => {
  try {
    validateAuthConfig(value, 'apps.my-game.auth', policy);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('validateAuthConfig', () => {
  it('accepts a full config', () => {
    const config = {
      providers: [{ ...provider, staticParams: { apiKey: 'k' }, rejectIfUnavailable: false, format: 'json', timeoutMs: 3000, maxResponseBytes: 4096, secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`] }],
      allowAnonymous: true,
      tokenTtlMs: 600_000,
      tokenKeys: [Buffer.alloc(32, 2).toString('base64')],
      attemptsPerSecond: 5,
      attemptBurst: 10,
    };
    expect(validateAuthConfig(config, 'apps.x.auth')).toBe(config);
  });

  it('names the key at fault', () => {
    expect(refusal({ providers: [{ ...provider, url: 'ftp://x' }] })).toContain('apps.my-game.auth.providers[0].url');
    expect(refusal({ providers: [{ ...provider, url: 'http://x.example' }] })).toContain('egress.allowInsecureHttp');
    expect(refusal({ providers: [{ ...provider, url: 'http://x.example' }] }, { allowInsecureHttp: true })).toBe('accepted');
    expect(refusal({ providers: [{ ...provider, url: 'https://u:p@x.example' }] })).toContain('providers[0].url: credentials');
    expect(refusal({ providers: [] })).toContain('apps.my-game.auth.providers');
    expect(refusal({ providers: [{ ...provider, type: 'steam' }] })).toContain('providers[0].type');
    expect(refusal({ providers: [{ ...provider, format: 'xml' }] })).toContain('providers[0].format');
    expect(refusal({ providers: [{ ...provider, timeoutMs: 30_000 }] })).toContain('providers[0].timeoutMs');
    expect(refusal({ providers: [{ ...provider, secrets: ['plain'] }] })).toContain('providers[0].secrets[0]');
    expect(refusal({ providers: [{ ...provider, staticParams: { 'bad key': 'v' } }] })).toContain('providers[0].staticParams.bad key');
    expect(refusal({ providers: [{ ...provider, extra: 1 }] })).toContain('providers[0].extra: unknown key');
    expect(refusal({ providers: [provider], tokenKeys: ['c2hvcnQ='] })).toContain('apps.my-game.auth.tokenKeys[0]');
    expect(refusal({ providers: [provider], allowAnonymous: 'yes' })).toContain('apps.my-game.auth.allowAnonymous');
    expect(refusal({ providers: [provider], tokenTtlMs: 1 })).toContain('apps.my-game.auth.tokenTtlMs');
    expect(refusal({ providers: [provider], attemptsPerSecond: 0 })).toContain('apps.my-game.auth.attemptsPerSecond');
    expect(refusal({ providers: [provider], typo: true })).toContain('apps.my-game.auth.typo: unknown key');
  });

  it('runs from validateApps with the egress policy', () => {
    expect(() => validateApps({ g: { auth: { providers: [{ ...provider, url: 'http://127.0.0.1:1/x' }] } } })).toThrow(/apps\.g\.auth\.providers\[0\]\.url/);
    expect(() => validateApps({ g: { auth: { providers: [{ ...provider, url: 'http://127.0.0.1:1/x' }] } } }, { allowInsecureHttp: true })).not.toThrow();
  });
});
