// Custom authentication of one hello or AUTHENTICATE step: the attempt limit, the auth token, the
// provider call through the egress client and the outcome table of docs/auth.md. Refusals throw
// a PunchthroughError (with detail.resultCode for AUTH_FAILED); the session service replies with it.
import { PunchthroughError, type Env } from '../../core/index.js';
import type { AuthData, AuthStatus, HelloAuth } from '../protocol/index.js';
import type { EgressClient } from '../egress/index.js';
import type { Registry } from 'prom-client';
import { readProviderAnswer, type ProviderAnswer } from './answer.js';
import { createAttemptLimiter } from './attempts.js';
import {
  DEFAULT_AUTH_ATTEMPT_BURST,
  DEFAULT_AUTH_ATTEMPTS_PER_SECOND,
  DEFAULT_AUTH_MAX_RESPONSE_BYTES,
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_REJECT_IF_UNAVAILABLE,
  DEFAULT_TOKEN_TTL_MS,
  TOKEN_IV_BYTES,
  TOKEN_KEY_BYTES,
} from './constants.js';
import { createAuthMetrics, type AuthMetricOutcome } from './metrics.js';
import { providerRequest } from './request.js';
import { openToken, sealToken, tokenKeyOf, type TokenKey } from './token.js';
import type { AuthConfig } from './types.js';

/** One attempt: the app's config, who asks, and what it sent. */
export interface AuthContext {
  config: AuthConfig;
  appId: string;
  appVersion: string;
  clientIp: string;
  /** The object form of hello's `auth` (absent: no credentials). */
  auth?: HelloAuth;
  /** 1: the hello; 2…: AUTHENTICATE steps. */
  step: number;
  /** Fires when the connection closes: the provider call is abandoned. */
  signal?: AbortSignal;
}

/** Who the peer is after a successful step. */
export interface AuthIdentity {
  status: Exclude<AuthStatus, 'continue'>;
  userId: string;
  nickname?: string;
  /** JSON text; server-side only. */
  cookie?: string;
  data?: AuthData;
  token: string;
  expiresAtMs: number;
}

export type AuthResult = AuthIdentity | { status: 'continue'; data?: AuthData };

export interface Authenticator {
  authenticate(context: AuthContext): Promise<AuthResult>;
}

export interface AuthenticatorOptions {
  /** The egress client; without one every provider is unavailable. */
  egress?: EgressClient;
  /** The session service's registry (the auth metrics join it). */
  registry: Registry;
}

export function createAuthenticator(env: Env, options: AuthenticatorOptions): Authenticator {
  const { clock, logger } = env;
  const metrics = createAuthMetrics(options.registry);
  const attempts = createAttemptLimiter();
  // Per config object: its keys (the configured ones, or one random key per process).
  const keysOf = new WeakMap<AuthConfig, TokenKey[]>();
  const keys = (config: AuthConfig): TokenKey[] => {
    let found = keysOf.get(config);
    if (!found) {
      const raw = config.tokenKeys?.map((key) => new Uint8Array(Buffer.from(key, 'base64'))) ?? [env.random(TOKEN_KEY_BYTES)];
      found = raw.map(tokenKeyOf);
      keysOf.set(config, found);
    }
    return found;
  };
  const randomId = (bytes: number): string => Buffer.from(env.random(bytes)).toString('base64url');

  const count = (outcome: AuthMetricOutcome): void => metrics.requests.inc({ outcome });

  const refuse = (context: AuthContext, outcome: AuthMetricOutcome, error: PunchthroughError): never => {
    count(outcome);
    // Never the params or data: they carry passwords and one-time codes.
    logger.info({ appId: context.appId, clientIp: context.clientIp, code: error.code, resultCode: error.detail?.resultCode, step: context.step }, 'authentication refused');
    throw error;
  };

  const identity = (context: AuthContext, status: AuthIdentity['status'], fields: { userId: string; nickname?: string; cookie?: string; data?: AuthData }): AuthIdentity => {
    const now = clock.wallTime();
    const expiresAtMs = now + (context.config.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS);
    const claims = {
      uid: fields.userId,
      ...(fields.nickname === undefined ? {} : { nick: fields.nickname }),
      app: context.appId,
      ver: context.appVersion,
      ...(fields.cookie === undefined ? {} : { cookie: fields.cookie }),
      iat: now,
      exp: expiresAtMs,
      jti: randomId(9),
      ...(status === 'anonymous' ? { anon: true as const } : {}),
    };
    const token = sealToken(keys(context.config)[0]!, claims, env.random(TOKEN_IV_BYTES));
    return { status, ...fields, token, expiresAtMs };
  };

  const anonymous = (context: AuthContext, outcome: AuthMetricOutcome): AuthIdentity => {
    count(outcome);
    return identity(context, 'anonymous', { userId: `anon-${randomId(12)}` });
  };

  const callProvider = async (context: AuthContext): Promise<ProviderAnswer> => {
    const provider = context.config.providers[0]!;
    if (!options.egress) return { kind: 'unusable', why: 'no egress client' };
    const built = providerRequest(provider, {
      appId: context.appId,
      appVersion: context.appVersion,
      clientIp: context.clientIp,
      ...(context.auth?.params ? { params: context.auth.params } : {}),
      ...(context.auth?.data ? { data: context.auth.data } : {}),
      ...(context.auth?.userId === undefined ? {} : { userId: context.auth.userId }),
      step: context.step,
    });
    const maxResponseBytes = provider.maxResponseBytes ?? DEFAULT_AUTH_MAX_RESPONSE_BYTES;
    const started = clock.now();
    const result = await options.egress.send({
      ...built,
      deadline: started + (provider.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS),
      maxResponseBytes,
      ...(provider.secrets?.length ? { sign: { id: `auth_${randomId(12)}`, secrets: provider.secrets } } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      purpose: 'auth',
    });
    metrics.duration.observe((clock.now() - started) / 1000);
    return readProviderAnswer(result, maxResponseBytes);
  };

  return {
    async authenticate(context) {
      const { config } = context;
      const rate = { perSecond: config.attemptsPerSecond ?? DEFAULT_AUTH_ATTEMPTS_PER_SECOND, burst: config.attemptBurst ?? DEFAULT_AUTH_ATTEMPT_BURST };
      if (!attempts.take(context.clientIp, rate, clock.now())) {
        refuse(context, 'rate_limited', new PunchthroughError('RATE_LIMITED', `more than ${rate.perSecond} authentication attempts per second from this address`));
      }
      const auth = context.auth;
      if (auth?.token !== undefined && context.step === 1) {
        const claims = openToken(keys(config), auth.token, clock.wallTime(), context.appId, context.appVersion);
        if (!claims) return refuse(context, 'token_expired', new PunchthroughError('AUTH_TOKEN_EXPIRED', 'the auth token is expired or no longer valid; authenticate again'));
        count('token_ok');
        // The identity, not the token, is renewed: a token is as good as the provider's word for its lifetime.
        return { status: claims.anon ? 'anonymous' : 'ok', userId: claims.uid, ...(claims.nick === undefined ? {} : { nickname: claims.nick }), ...(claims.cookie === undefined ? {} : { cookie: claims.cookie }), token: auth.token, expiresAtMs: claims.exp };
      }
      const hasCredentials = auth?.params !== undefined || auth?.data !== undefined;
      if (!hasCredentials) {
        if (config.allowAnonymous) return anonymous(context, 'anonymous');
        return refuse(context, 'required', new PunchthroughError('AUTH_REQUIRED', 'this app requires authentication: send auth params or data'));
      }
      const answer = await callProvider(context);
      switch (answer.kind) {
        case 'ok':
          count('ok');
          return identity(context, 'ok', {
            userId: answer.userId ?? auth?.userId ?? `user-${randomId(12)}`,
            ...(answer.nickname ?? auth?.nickname ? { nickname: (answer.nickname ?? auth?.nickname)! } : {}),
            ...(answer.cookie === undefined ? {} : { cookie: answer.cookie }),
            ...(answer.data === undefined ? {} : { data: answer.data }),
          });
        case 'continue':
          count('continue');
          return { status: 'continue', ...(answer.data === undefined ? {} : { data: answer.data }) };
        case 'refused':
          return refuse(
            context,
            'failed',
            new PunchthroughError('AUTH_FAILED', answer.message || `the auth provider refused (ResultCode ${answer.resultCode})`, { detail: { resultCode: answer.resultCode } }),
          );
        case 'unusable': {
          logger.warn({ appId: context.appId, why: answer.why }, 'auth provider unavailable');
          if (config.providers[0]!.rejectIfUnavailable ?? DEFAULT_REJECT_IF_UNAVAILABLE) {
            return refuse(context, 'unavailable_rejected', new PunchthroughError('AUTH_UNAVAILABLE', `the auth provider is unavailable (${answer.why})`));
          }
          return anonymous(context, 'unavailable_allowed');
        }
      }
    },
  };
}
