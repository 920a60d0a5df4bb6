/**
 * The runner's login to a cloud with custom authentication (docs/auth.md): the hello's `auth`,
 * the provider's further steps (AUTHENTICATE, through `onAuthContinue`), and the auth token the
 * cloud returns, kept for reconnects and rejoins. A token the cloud no longer accepts
 * (AUTH_TOKEN_EXPIRED) is dropped and the login runs once more with the credentials.
 */
import { PunchthroughError, isPunchthroughError } from '../core/index.js';
import { PROTOCOL_VERSION, RequestType, SchemaError, helloAuth, type AuthData, type HelloAuth, type HelloResult } from '../src/protocol/index.js';
import { SDK_FEATURES } from './constants.js';
import type { Signaling } from './signaling.js';

/** Credentials for the app's auth provider ({@link NetworkRunnerOptions.auth}). */
export interface RunnerAuth {
  /** Photon's AuthParameters: sent to the provider as a query string. At most 16, values ≤ 512 characters. */
  params?: Record<string, string>;
  /** Photon's post data: sent to the provider as a JSON body. At most 4 KiB. */
  data?: AuthData;
  /** The user id to use when the provider returns none. */
  userId?: string;
  nickname?: string;
}

/** What the provider asked for in a further step (ResultCode 0): the next values to send. */
export type AuthContinueHandler = (data: AuthData | undefined) => Promise<{ params?: Record<string, string>; data?: AuthData }>;

/** Who the cloud says this runner is ({@link StartGameResult.authenticated}). */
export interface Authenticated {
  userId: string;
  nickname?: string;
  /** The provider's Data. */
  data?: AuthData;
  /** `ok`: the provider (or a token) vouched; `anonymous`: let in without (allowAnonymous, or a provider down). */
  status: 'ok' | 'anonymous';
}

/** The steps this SDK follows before giving up (the cloud allows 5 after the hello). */
const MAX_STEPS = 5;

/** One per runner: its credentials, the token it holds and who the cloud said it is. */
export class AuthSession {
  #token: string | undefined;
  authenticated: Authenticated | undefined;

  constructor(
    private readonly credentials: RunnerAuth | undefined,
    private readonly onContinue: AuthContinueHandler | undefined,
  ) {}

  /** The hello's `auth`: the token when one is held, else the credentials (absent: none). */
  #helloAuth(useToken: boolean): HelloAuth | undefined {
    if (useToken && this.#token !== undefined) return { token: this.#token };
    const c = this.credentials;
    if (!c) return undefined;
    return { ...(c.params ? { params: c.params } : {}), ...(c.data ? { data: c.data } : {}), ...(c.userId ? { userId: c.userId } : {}), ...(c.nickname ? { nickname: c.nickname } : {}) };
  }

  /** The hello, the provider's further steps and a refused token's one retry, on an open connection. */
  async login(signaling: Signaling, appId: string, appVersion: string): Promise<HelloResult> {
    const hello = (useToken: boolean) => {
      const auth = this.#helloAuth(useToken);
      return signaling.request({ type: RequestType.HELLO, appId, appVersion, protocolVersion: PROTOCOL_VERSION, features: SDK_FEATURES, ...(auth ? { auth } : {}) });
    };
    let result: HelloResult;
    try {
      result = await hello(true);
    } catch (error) {
      if (!isPunchthroughError(error) || error.code !== 'AUTH_TOKEN_EXPIRED' || this.#token === undefined) throw error;
      // The connection stays open after a refused hello: log in again on it, once.
      this.#token = undefined;
      result = await hello(false);
    }
    for (let step = 0; result.authStatus === 'continue'; step++) {
      if (!this.onContinue) throw new PunchthroughError('AUTH_FAILED', 'the auth provider asked for another step (ResultCode 0) and no onAuthContinue is set');
      if (step >= MAX_STEPS) throw new PunchthroughError('AUTH_FAILED', `the auth provider asked for more than ${MAX_STEPS} steps`);
      const next = checkedStep(await this.onContinue(result.authData));
      result = await signaling.request({ type: RequestType.AUTHENTICATE, auth: next });
    }
    this.#accepted(result);
    return result;
  }

  #accepted(result: HelloResult): void {
    if (result.authToken !== undefined) this.#token = result.authToken;
    if (result.userId === undefined || (result.authStatus !== 'ok' && result.authStatus !== 'anonymous')) return;
    this.authenticated = {
      userId: result.userId,
      ...(result.nickname === undefined ? {} : { nickname: result.nickname }),
      ...(result.authData === undefined ? {} : { data: result.authData }),
      status: result.authStatus,
    };
  }
}

/** What onAuthContinue returned, checked as the cloud will (a bad value is the game's mistake, named here). */
function checkedStep(value: unknown): HelloAuth {
  try {
    if (typeof value !== 'object' || value === null) throw new SchemaError('', 'an object');
    const { params, data } = value as { params?: unknown; data?: unknown };
    return helloAuth({ params, data });
  } catch (error) {
    const why = error instanceof SchemaError ? error.message : 'an object with params and/or data';
    throw new PunchthroughError('INVALID_OPTIONS', `onAuthContinue must resolve to { params?, data? }: ${why}`);
  }
}

/** Checks the runner's `auth` option: INVALID_OPTIONS naming the field. */
export function checkRunnerAuth(auth: unknown, onContinue: unknown): void {
  if (onContinue !== undefined && typeof onContinue !== 'function') throw new PunchthroughError('INVALID_OPTIONS', 'onAuthContinue must be a function');
  if (auth === undefined) return;
  try {
    if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) throw new SchemaError('', 'an object');
    for (const key of Object.keys(auth)) if (!['params', 'data', 'userId', 'nickname'].includes(key)) throw new SchemaError(key, 'no such field (params, data, userId, nickname)');
    helloAuth(auth);
  } catch (error) {
    throw new PunchthroughError('INVALID_OPTIONS', `auth: ${error instanceof SchemaError ? error.message : 'invalid'}`);
  }
}
