/**
 * WebRPC: a peer asks the cloud to call the game's backend for it. Answered by an in-process
 * handler, else the session's plugin, else an HTTP POST through the egress client; never retried
 * (an RPC may have side effects: the client owns retries). docs/webrpc.md.
 */
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import { PunchthroughError, fullBucket, parseBoundedJson, takeTokens, type Env, type JsonValue, type TokenBucket } from '../../core/index.js';
import type { EgressClient } from '../egress/index.js';
import { RPC_JSON_DEPTH, RPC_JSON_ITEMS, jsonValue, type RpcRequest, type RpcResult } from '../protocol/index.js';
import { readRpcAnswer, rpcBody } from './body.js';
import { DEFAULT_RPC_MAX_RESPONSE_BYTES, DEFAULT_RPC_PER_APP, DEFAULT_RPC_PER_CONNECTION, DEFAULT_RPC_TIMEOUT_MS } from './constants.js';
import { expandUrlTags, parseRpcPath, rpcTarget } from './path.js';
import type { RpcAnswerValue, RpcConfig, RpcContext, RpcHttpConfig } from './types.js';

/** The calling peer, as the session service knows it. */
export interface RpcCaller {
  readonly appId: string;
  readonly appVersion: string;
  readonly userId?: string;
  readonly nickname?: string;
  readonly authCookie?: JsonValue;
  readonly session?: { readonly id: string; readonly name: string; readonly actor: number };
}

export interface RpcServiceOptions {
  /** The app's WebRPC configuration (its own, else '*'), or none: RPC_NOT_FOUND. */
  config(appId: string): RpcConfig | undefined;
  egress: EgressClient;
  /** Photon's Region, in the body and the {Region} tag. */
  region: string;
  /** Whether a result fits one signaling frame. */
  fits(result: RpcResult): boolean;
  /** The session's plugin, when the caller is in one: an answer, or undefined to go on to HTTP. */
  plugin?(caller: RpcCaller, path: string, params: JsonValue | undefined, signal: AbortSignal): Promise<RpcAnswerValue | undefined>;
  registry: Registry;
}

export interface RpcService {
  /** One call of `connection` (any object standing for it: its rate limit is keyed by it). */
  call(connection: object, caller: RpcCaller, request: Pick<RpcRequest, 'path' | 'params' | 'sendAuthCookie'>, signal: AbortSignal): Promise<RpcResult>;
}

type Route = 'handler' | 'plugin' | 'http' | 'none';

const refuse = (code: 'RPC_NOT_FOUND' | 'HTTP_LIMIT_REACHED' | 'EXTERNAL_HTTP_FAILED', message: string): never => {
  throw new PunchthroughError(code, message);
};

/** Whether a path may be called: an exact name, or under a `prefix/*` entry. */
export function methodAllowed(methods: readonly string[] | undefined, path: string): boolean {
  if (!methods) return true;
  return methods.some((method) => (method.endsWith('/*') ? path.startsWith(method.slice(0, -1)) : method === path));
}

export function createRpcService(env: Env, options: RpcServiceOptions): RpcService {
  const { clock, logger } = env;
  const checkData = jsonValue(RPC_JSON_DEPTH, RPC_JSON_ITEMS);
  const perConnection = new WeakMap<object, TokenBucket>();
  // Keyed by configuration (a finite set), not by app id (clients choose those).
  const perApp = new Map<RpcConfig, { bucket: TokenBucket; inFlight: number }>();
  const registers = [options.registry];
  const calls = new Counter({
    name: 'punchthrough_rpc_requests_total',
    help: 'WebRPC calls by route (handler, plugin, http, none) and outcome.',
    labelNames: ['route', 'outcome'],
    registers,
  });
  const duration = new Histogram({ name: 'punchthrough_rpc_duration_seconds', help: 'WebRPC call time by route.', labelNames: ['route'], registers });

  /** An answer from code (a handler, a plugin): checked like one from the network, it must reach the client intact. */
  const checked = (path: string, answer: unknown, from: string): RpcResult => {
    const parsed = readRpcAnswer(typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as JsonValue) : undefined);
    if (!parsed.ok) return refuse('EXTERNAL_HTTP_FAILED', `the ${from} gave an invalid answer: ${parsed.reason}`);
    const result: RpcResult = { path, resultCode: parsed.resultCode, ...(parsed.message === undefined ? {} : { message: parsed.message }) };
    if (parsed.data !== undefined) {
      try {
        result.data = checkData(parsed.data);
      } catch {
        refuse('EXTERNAL_HTTP_FAILED', `the ${from}'s data is not JSON within ${RPC_JSON_ITEMS} values and ${RPC_JSON_DEPTH} levels`);
      }
    }
    if (!options.fits(result)) refuse('EXTERNAL_HTTP_FAILED', `the ${from}'s answer is too large for a signaling frame`);
    return result;
  };

  const viaHttp = async (http: RpcHttpConfig, caller: RpcCaller, path: ReturnType<typeof parseRpcPath> & { ok: true }, request: Pick<RpcRequest, 'path' | 'params' | 'sendAuthCookie'>, signal: AbortSignal) => {
    if (!methodAllowed(http.methods, path.path)) refuse('RPC_NOT_FOUND', `"${path.path}" is not an allowed WebRPC method of this app`);
    const base = expandUrlTags(http.baseUrl, { AppId: caller.appId, AppVersion: caller.appVersion, Region: options.region });
    const url = rpcTarget(base, path) ?? refuse('RPC_NOT_FOUND', 'the path does not resolve under the base URL');
    const cookie = http.sendAuthCookie === 'always' || (http.sendAuthCookie === 'onRequest' && request.sendAuthCookie === true);
    const body = rpcBody(http.format ?? 'photon', path.path, request.params, {
      appId: caller.appId,
      appVersion: caller.appVersion,
      region: options.region,
      userId: caller.userId ?? '',
      ...(caller.nickname === undefined ? {} : { nickname: caller.nickname }),
      ...(cookie && caller.authCookie !== undefined ? { authCookie: caller.authCookie } : {}),
      ...(caller.session ? { session: caller.session } : {}),
    });
    const id = `rpc_${Buffer.from(env.random(12)).toString('base64url')}`;
    const maxResponseBytes = http.maxResponseBytes ?? DEFAULT_RPC_MAX_RESPONSE_BYTES;
    const answer = await options.egress.send({
      url: url.href,
      method: 'POST',
      headers: {
        'x-punchthrough-event': 'rpc',
        'idempotency-key': id,
        ...(caller.session ? { 'x-punchthrough-session': caller.session.id } : {}),
      },
      body: new TextEncoder().encode(JSON.stringify(body)),
      deadline: clock.now() + (http.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS),
      maxResponseBytes,
      sign: { id, secrets: http.secrets },
      signal,
      purpose: 'rpc',
    });
    if (!answer.ok) {
      logger.warn({ appId: caller.appId, path: path.path, failure: answer.failure }, 'a WebRPC call failed');
      return refuse('EXTERNAL_HTTP_FAILED', answer.failure === 'tooLarge' ? 'the backend answer is too large' : `the backend could not be reached (${answer.failure})`);
    }
    if (answer.status < 200 || answer.status >= 300) return refuse('EXTERNAL_HTTP_FAILED', `the backend answered HTTP ${answer.status}`);
    const parsed = parseBoundedJson(answer.body, maxResponseBytes, RPC_JSON_DEPTH + 1);
    if (parsed === undefined) return refuse('EXTERNAL_HTTP_FAILED', 'the backend answer is not JSON (or nested too deep)');
    return checked(request.path, parsed, 'backend');
  };

  return {
    async call(connection, caller, request, signal) {
      const started = clock.now();
      let route: Route = 'none';
      try {
        const config = options.config(caller.appId) ?? refuse('RPC_NOT_FOUND', 'WebRPC is not enabled for this app');
        const path = parseRpcPath(request.path);
        if (!path.ok) return refuse('RPC_NOT_FOUND', path.reason);
        const connectionRate = config.perConnection ?? DEFAULT_RPC_PER_CONNECTION;
        const appLimits = config.perApp ?? DEFAULT_RPC_PER_APP;
        const now = clock.now();
        let bucket = perConnection.get(connection);
        if (!bucket) perConnection.set(connection, (bucket = fullBucket(connectionRate, now)));
        let app = perApp.get(config);
        if (!app) perApp.set(config, (app = { bucket: fullBucket({ perSecond: appLimits.perSecond, burst: appLimits.perSecond }, now), inFlight: 0 }));
        if (!takeTokens(bucket, connectionRate, now)) refuse('HTTP_LIMIT_REACHED', `more than ${connectionRate.perSecond} WebRPC calls per second on this connection`);
        if (app.inFlight >= appLimits.maxInFlight || !takeTokens(app.bucket, { perSecond: appLimits.perSecond, burst: appLimits.perSecond }, now)) {
          refuse('HTTP_LIMIT_REACHED', 'this app has too many WebRPC calls under way');
        }
        app.inFlight += 1;
        try {
          const handler = config.handlers && Object.hasOwn(config.handlers, path.path) ? config.handlers[path.path] : undefined;
          if (handler) {
            route = 'handler';
            const context: RpcContext = { ...caller, signal, logger };
            return checked(request.path, await handler(context, request.params), 'handler');
          }
          if (caller.session && options.plugin) {
            const answer = await options.plugin(caller, path.path, request.params, signal);
            if (answer !== undefined) {
              route = 'plugin';
              return checked(request.path, answer, 'plugin');
            }
          }
          const http = config.http ?? refuse('RPC_NOT_FOUND', `no WebRPC handler for "${path.path}" and no backend configured`);
          route = 'http';
          return await viaHttp(http, caller, path, request, signal);
        } finally {
          app.inFlight -= 1;
        }
      } catch (error) {
        const code = error instanceof PunchthroughError ? error.code : 'EXTERNAL_HTTP_FAILED';
        calls.inc({ route, outcome: code });
        if (error instanceof PunchthroughError) throw error;
        logger.error({ err: error, appId: caller.appId, route }, 'a WebRPC handler failed');
        throw new PunchthroughError('EXTERNAL_HTTP_FAILED', `the ${route === 'handler' ? 'in-process handler' : route} failed`);
      } finally {
        duration.observe({ route }, (clock.now() - started) / 1_000);
      }
    },
  };
}

