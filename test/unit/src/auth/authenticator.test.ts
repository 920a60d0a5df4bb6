// The authenticator's decisions on a manual clock: anonymous or AUTH_REQUIRED without credentials,
// token lifetime, the per-address attempt limit, and a provider that cannot be called.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock, PunchthroughError, createEnv } from '../../../../core/index.js';
import { createAuthenticator, type AuthConfig } from '../../../../src/auth/index.js';

const provider = { type: 'custom' as const, url: 'https://auth.example.com/photon' };

function setup() {
  const clock = new ManualClock();
  const registry = new Registry();
  const authenticator = createAuthenticator(createEnv({ clock }), { registry });
  const attempt = (config: AuthConfig, auth?: object, clientIp = '198.51.100.7') =>
    authenticator.authenticate({ config, appId: 'game', appVersion: '1', clientIp, ...(auth ? { auth } : {}), step: 1 });
  const code = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => (error instanceof PunchthroughError ? error.code : String(error)));
  return { clock, registry, attempt, code };
}

describe('authenticator', () => {
  it('without credentials: AUTH_REQUIRED, or anonymous with a token when the app allows it', async () => {
    const { attempt, code } = setup();
    expect(await code(attempt({ providers: [provider] }))).toBe('AUTH_REQUIRED');
    const anonymous = await attempt({ providers: [provider], allowAnonymous: true });
    expect(anonymous).toMatchObject({ status: 'anonymous' });
    expect((anonymous as { userId: string }).userId).toMatch(/^anon-/);
  });

  it('a token opens until its lifetime ends, then AUTH_TOKEN_EXPIRED; an anonymous one stays anonymous', async () => {
    const { clock, attempt, code } = setup();
    const config: AuthConfig = { providers: [provider], allowAnonymous: true, tokenTtlMs: 60_000 };
    const first = (await attempt(config)) as { token: string; userId: string; expiresAtMs: number };
    expect(first.expiresAtMs).toBe(clock.wallTime() + 60_000);
    clock.advance(59_999);
    expect(await attempt(config, { token: first.token })).toMatchObject({ status: 'anonymous', userId: first.userId });
    clock.advance(1);
    expect(await code(attempt(config, { token: first.token }))).toBe('AUTH_TOKEN_EXPIRED');
    // Another config (another app's keys) does not open it either.
    expect(await code(attempt({ providers: [provider] }, { token: first.token }))).toBe('AUTH_TOKEN_EXPIRED');
  });

  it('limits attempts per address: the burst, then RATE_LIMITED until the bucket refills', async () => {
    const { clock, attempt, code } = setup();
    const config: AuthConfig = { providers: [provider], allowAnonymous: true, attemptsPerSecond: 1, attemptBurst: 2 };
    expect([await code(attempt(config)), await code(attempt(config)), await code(attempt(config))]).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    expect(await code(attempt(config, undefined, '203.0.113.9'))).toBe('ok');
    clock.advance(1_000);
    expect(await code(attempt(config))).toBe('ok');
  });

  it('no egress client: the provider is unavailable; AUTH_UNAVAILABLE, or anonymous without rejectIfUnavailable; counted', async () => {
    const { attempt, code, registry } = setup();
    const credentials = { params: { user: 'alice' } };
    expect(await code(attempt({ providers: [provider] }, credentials))).toBe('AUTH_UNAVAILABLE');
    expect(await attempt({ providers: [{ ...provider, rejectIfUnavailable: false }] }, credentials)).toMatchObject({ status: 'anonymous' });
    const text = await registry.metrics();
    expect(text).toContain('punchthrough_auth_requests_total{outcome="unavailable_rejected"} 1');
    expect(text).toContain('punchthrough_auth_requests_total{outcome="unavailable_allowed"} 1');
  });
});
