// Custom authentication as the session service runs it: in hello and AUTHENTICATE, for apps with
// an `auth` config (apps.ts), through the authenticator (src/auth). It keeps the peer's identity
// and its place in a multi-step login; refusals count against the connection.
import { PunchthroughError, type Env } from '../../core/index.js';
import { createAuthenticator, type AuthResult } from '../auth/index.js';
import { MAX_AUTH_REFUSALS, MAX_AUTH_STEPS } from '../auth/constants.js';
import { CloseCode, PROTOCOL_VERSION, RequestType, type AuthenticateRequest, type HelloAuth, type HelloRequest, type HelloResult } from '../protocol/index.js';
import type { EgressClient } from '../egress/index.js';
import { appExtensions } from './apps.js';
import type { SessionMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { Peer } from './peer.js';
import { refuse } from './request-error.js';

/** The auth fields of a hello (or AUTHENTICATE) result. */
export type AuthReply = Omit<HelloResult, 'protocolVersion' | 'maxFrameBytes'>;

export interface HelloAuthGate {
  /** Custom authentication of a hello; {} for an app without it. Throws the refusal. */
  hello(peer: Peer, request: HelloRequest): Promise<AuthReply>;
  /** The next step of a multi-step login (the provider's ResultCode 0), answered as a hello. */
  authenticate(peer: Peer, request: AuthenticateRequest): Promise<HelloResult>;
  /** Whether `type` may run now: NOT_AUTHENTICATED refusals before the login completes. */
  gate(peer: Peer, type: RequestType): void;
  /** After an error reply to a hello or step: counts it, and closes the connection at the limit. */
  refused(peer: Peer, type: RequestType): void;
}

export function createHelloAuthGate(env: Env, options: { settings: ResolvedOptions; metrics: SessionMetrics; egress?: EgressClient }): HelloAuthGate {
  const authenticator = createAuthenticator(env, { registry: options.metrics.registry, ...(options.egress ? { egress: options.egress } : {}) });
  const { apps } = options.settings;

  const settle = (peer: Peer, result: AuthResult): AuthReply => {
    if (result.status === 'continue') {
      peer.auth = { status: 'continue', steps: peer.auth?.steps ?? 0 };
      return { authStatus: 'continue', ...(result.data ? { authData: result.data } : {}) };
    }
    peer.auth = { status: result.status, steps: peer.auth?.steps ?? 0 };
    peer.userId = result.userId;
    if (result.nickname !== undefined) peer.nickname = result.nickname;
    if (result.cookie !== undefined) peer.authCookie = result.cookie;
    return {
      authStatus: result.status,
      userId: result.userId,
      ...(result.nickname === undefined ? {} : { nickname: result.nickname }),
      ...(result.data ? { authData: result.data } : {}),
      authToken: result.token,
      authExpiresAtMs: result.expiresAtMs,
    };
  };

  const run = async (peer: Peer, appId: string, appVersion: string, auth: HelloAuth | undefined, step: number): Promise<AuthReply | undefined> => {
    const config = appExtensions(apps, appId)?.auth;
    if (!config) return undefined;
    const result = await authenticator.authenticate({
      config,
      appId,
      appVersion,
      clientIp: peer.address,
      ...(auth ? { auth } : {}),
      step,
      // A connection that closes mid-call abandons it: the answer would go nowhere.
      ...(peer.signal ? { signal: peer.signal } : {}),
    });
    return settle(peer, result);
  };

  return {
    async hello(peer, request) {
      const auth = typeof request.auth === 'object' ? request.auth : undefined;
      return (await run(peer, request.appId, request.appVersion, auth, 1)) ?? {};
    },

    async authenticate(peer, request) {
      const hello = peer.hello;
      if (!hello || peer.auth?.status !== 'continue') refuse('NOT_ALLOWED', 'AUTHENTICATE is only for a login the provider continued (authStatus continue)');
      if (peer.auth.steps >= MAX_AUTH_STEPS) refuse('NOT_ALLOWED', `at most ${MAX_AUTH_STEPS} authentication steps`);
      peer.auth.steps += 1;
      const reply = (await run(peer, hello.appId, hello.appVersion, request.auth, peer.auth.steps + 1)) ?? refuse('NOT_ALLOWED', 'this app has no custom authentication');
      return { protocolVersion: PROTOCOL_VERSION, maxFrameBytes: options.settings.maxFrameBytes, ...reply };
    },

    gate(peer, type) {
      if (type === RequestType.HELLO) return;
      if (!peer.hello) {
        // A refused hello leaves the connection open for another try; nothing else goes meanwhile.
        if (peer.authRefusals) throw new PunchthroughError('NOT_AUTHENTICATED', 'authentication has not completed; send hello again');
        refuse('INVALID_REQUEST', 'the first request must be hello');
      }
      if (peer.auth?.status === 'continue' && type !== RequestType.AUTHENTICATE) {
        throw new PunchthroughError('NOT_AUTHENTICATED', 'authentication has not completed; send AUTHENTICATE with the next step');
      }
    },

    refused(peer, type) {
      if (type !== RequestType.HELLO && type !== RequestType.AUTHENTICATE) return;
      if (type === RequestType.HELLO && peer.hello) return;
      peer.authRefusals = (peer.authRefusals ?? 0) + 1;
      peer.violation?.();
      // After the reply: the client learns why before the close.
      if (peer.authRefusals >= MAX_AUTH_REFUSALS) peer.close?.(CloseCode.PROTOCOL_VIOLATION, 'too many refused authentications');
      else if (type === RequestType.AUTHENTICATE && (peer.auth?.steps ?? 0) >= MAX_AUTH_STEPS) peer.close?.(CloseCode.PROTOCOL_VIOLATION, 'too many authentication steps');
    },
  };
}
