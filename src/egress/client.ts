// The egress client: checks a request against the policy, waits for its origin's slot and
// breaker, resolves and vets every address, then runs one pinned exchange, all under the
// request's deadline. Never throws. docs/egress.md says each rule and why.
import type { Env } from '../../core/index.js';
import { checkAddress } from './address-policy.js';
import { admitCall, CLOSED, isOpen, recordCall, type BreakerState, type CallVerdict } from './breaker.js';
import { MAX_CALL_MS, MAX_CONNECT_ADDRESSES, MAX_TRACKED_ORIGINS, type BlockReason, type Outcome } from './constants.js';
import { createEgressMetrics, type EgressMetrics } from './metrics.js';
import { resolveEgressOptions, type EgressClientOptions, type ResolvedEgressOptions } from './options.js';
import { createOriginQueue, type OriginQueue } from './origin-queue.js';
import { checkHeaders, checkSigning, checkUrl, type CheckedUrl } from './request-policy.js';
import { signatureHeaders } from './signing.js';
import { createKeepalivePools } from './keepalive.js';
import { startExchange, type ExchangeOutcome } from './transport.js';
import type { EgressClient, EgressFailure, EgressPurpose, EgressRequest, EgressResult } from './types.js';

const PURPOSES: ReadonlySet<string> = new Set<EgressPurpose>(['auth', 'plugin', 'webhook', 'rpc']);
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE']);

interface OriginState {
  readonly queue: OriginQueue;
  breaker: BreakerState;
}

type Stopped = { failure: EgressFailure; detail: string };

/** A failure with the policy reason that caused it, when it was a refusal. */
type Failed = Stopped & { reason?: BlockReason };

/** Resolves when the call must stop (deadline, abort, close): one per call, disposed at its end. */
interface Stopper {
  readonly stopped: Promise<Stopped>;
  dispose(): void;
}

export interface EgressClientWithMetrics extends EgressClient {
  readonly metrics: EgressMetrics;
}

export function createEgressClient(env: Env, options: EgressClientOptions = {}): EgressClientWithMetrics {
  const policy: ResolvedEgressOptions = resolveEgressOptions(options);
  const { clock } = env;
  const logger = env.logger.child({ component: 'egress' });
  const metrics = createEgressMetrics(options.registry);
  const origins = new Map<string, OriginState>();
  const closers = new Set<(stop: Stopped) => void>();
  const pools = createKeepalivePools();
  const inFlight = new Set<Promise<EgressResult>>();
  let closed = false;
  if (policy.allowInsecureHttp) logger.warn('egress: allowInsecureHttp is on; calls may go over plain http: (never do this in production)');

  const originState = (origin: string): OriginState | undefined => {
    let state = origins.get(origin);
    if (!state) {
      if (origins.size >= MAX_TRACKED_ORIGINS) evictIdle();
      if (origins.size >= MAX_TRACKED_ORIGINS) return undefined;
      state = { queue: createOriginQueue(policy.maxConcurrentPerOrigin, policy.maxQueuedPerOrigin), breaker: CLOSED };
      origins.set(origin, state);
    }
    return state;
  };
  /**
   * The table is full: the oldest idle origin whose breaker is closed goes, even with a failure or
   * two counted (only open breakers and calls under way must be kept), so a spread of hosts that
   * each failed once cannot lock every other origin out.
   */
  const evictIdle = (): void => {
    for (const [name, state] of origins) {
      if (state.queue.active === 0 && state.queue.waiting === 0 && state.breaker.kind === 'closed') {
        origins.delete(name);
        return;
      }
    }
  };
  /** Forgets an origin with nothing to remember, so the map holds only busy or failing ones. */
  const forgetIfIdle = (origin: string, state: OriginState): void => {
    if (state.queue.active === 0 && state.queue.waiting === 0 && state.breaker.kind === 'closed' && state.breaker.failures === 0) origins.delete(origin);
  };

  const setBreaker = (origin: string, state: OriginState, next: BreakerState): void => {
    const wasOpen = isOpen(state.breaker);
    state.breaker = next;
    if (!wasOpen && isOpen(next)) {
      metrics.breakerOpen.set({ origin }, 1);
      logger.warn({ origin, failures: policy.breakerFailures, openMs: policy.breakerOpenMs }, 'egress: circuit breaker opened; calls to this origin fail fast until a probe succeeds');
    } else if (wasOpen && !isOpen(next)) {
      metrics.breakerOpen.remove({ origin });
      logger.info({ origin }, 'egress: circuit breaker closed after a successful probe');
    }
  };

  const makeStopper = (deadline: number, signal: AbortSignal | undefined): Stopper => {
    let fire!: (stop: Stopped) => void;
    const stopped = new Promise<Stopped>((resolve) => {
      fire = resolve;
    });
    const timer = clock.setTimeout(() => fire({ failure: 'timeout', detail: 'deadline passed' }), Math.max(0, deadline - clock.now()));
    const onAbort = (): void => fire({ failure: 'aborted', detail: 'aborted by the caller' });
    signal?.addEventListener('abort', onAbort, { once: true });
    closers.add(fire);
    return {
      stopped,
      dispose: () => {
        clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        closers.delete(fire);
      },
    };
  };

  /** Every address of the host (an IP literal is its own answer), each checked. */
  const resolveVetted = async (target: CheckedUrl): Promise<{ addresses: Array<{ address: string; family: 4 | 6 }> } | Failed> => {
    let answers: ReadonlyArray<{ address: string; family: number }>;
    if (target.ip !== undefined) {
      answers = [{ address: target.ip, family: target.ip.includes(':') ? 6 : 4 }];
    } else {
      try {
        answers = await policy.lookup(target.host);
      } catch (error) {
        return { failure: 'dns', detail: `${(error as NodeJS.ErrnoException).code ?? 'lookup failed'} for ${target.host}` };
      }
    }
    if (!Array.isArray(answers) || answers.length === 0) return { failure: 'dns', detail: `no address for ${target.host}` };
    // One refused address refuses the name: a name answering both a public and a private
    // address is the shape of a rebinding attack, and we would not know which one a retry gets.
    for (const answer of answers) {
      const verdict = checkAddress(answer.address, policy.allowedNetworks);
      if (!verdict.allowed) return { failure: 'blocked', detail: `${target.host} ${target.ip === undefined ? 'resolves to' : 'is'} a ${verdict.reason} address`, reason: verdict.reason };
    }
    return { addresses: answers.slice(0, MAX_CONNECT_ADDRESSES).map(({ address }) => ({ address, family: address.includes(':') ? 6 : 4 })) };
  };

  /** Runs `phase` unless the stopper fires first. */
  const race = <T>(phase: Promise<T>, stopper: Stopper): Promise<T | { stopped: Stopped }> =>
    Promise.race([phase, stopper.stopped.then((stopped) => ({ stopped }))]);

  const run = async (request: EgressRequest, startMs: number): Promise<{ outcome: ExchangeOutcome | Failed; verdict: CallVerdict; probe: boolean; origin?: string }> => {
    if (typeof request !== 'object' || request === null) return { outcome: { failure: 'blocked', detail: 'request must be an object', reason: 'url' }, verdict: 'neutral', probe: false };
    const { method, maxResponseBytes, body, signal } = request;
    const deadline = Math.min(request.deadline, startMs + MAX_CALL_MS);
    if (!METHODS.has(method)) return { outcome: { failure: 'blocked', detail: 'method must be GET, POST, PUT or DELETE', reason: 'url' }, verdict: 'neutral', probe: false };
    if (typeof deadline !== 'number' || !Number.isFinite(deadline)) return { outcome: { failure: 'blocked', detail: 'deadline must be a clock time in ms', reason: 'url' }, verdict: 'neutral', probe: false };
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 0) return { outcome: { failure: 'blocked', detail: 'maxResponseBytes must be a non-negative integer', reason: 'url' }, verdict: 'neutral', probe: false };
    if (body !== undefined && !(body instanceof Uint8Array)) return { outcome: { failure: 'blocked', detail: 'body must be bytes', reason: 'url' }, verdict: 'neutral', probe: false };
    const url = checkUrl(request.url, policy.allowInsecureHttp);
    if (!url.ok) return { outcome: { failure: 'blocked', detail: url.detail, reason: url.reason }, verdict: 'neutral', probe: false };
    const headers = checkHeaders(request.headers);
    if (!headers.ok) return { outcome: { failure: 'blocked', detail: headers.detail, reason: headers.reason }, verdict: 'neutral', probe: false };
    const signing = checkSigning(request.sign);
    if (!signing.ok) return { outcome: { failure: 'blocked', detail: signing.detail, reason: signing.reason }, verdict: 'neutral', probe: false };
    if (closed || signal?.aborted) return { outcome: { failure: 'aborted', detail: closed ? 'client closed' : 'aborted by the caller' }, verdict: 'neutral', probe: false };
    if (startMs >= deadline) return { outcome: { failure: 'timeout', detail: 'deadline passed before the call started' }, verdict: 'neutral', probe: false };

    const target = url.value;
    const origin = target.origin;
    const state = originState(origin);
    if (!state) return { outcome: { failure: 'queueFull', detail: 'too many origins with calls in progress' }, verdict: 'neutral', probe: false };
    const admission = admitCall(state.breaker, clock.now());
    state.breaker = admission.state;
    if (admission.decision === 'reject') return { outcome: { failure: 'circuitOpen', detail: `circuit breaker open for ${origin}` }, verdict: 'neutral', probe: false, origin };
    const probe = admission.decision === 'probe';

    const place = state.queue.enter();
    if (place === 'full') return { outcome: { failure: 'queueFull', detail: `more than ${policy.maxQueuedPerOrigin} calls waiting for ${origin}` }, verdict: 'neutral', probe, origin };
    const stopper = makeStopper(deadline, signal);
    try {
      if (place !== 'go') {
        const waited = await race(place.turn, stopper);
        if (waited !== undefined && typeof waited === 'object' && 'stopped' in waited) {
          place.leave();
          return { outcome: { ...waited.stopped, detail: `${waited.stopped.detail} while queued for ${origin}` }, verdict: 'neutral', probe, origin };
        }
      }
      try {
        const vetted = await race(resolveVetted(target), stopper);
        if ('stopped' in vetted) return { outcome: { ...vetted.stopped, detail: `${vetted.stopped.detail} while resolving ${target.host}` }, verdict: vetted.stopped.failure === 'timeout' ? 'failure' : 'neutral', probe, origin };
        if ('failure' in vetted) return { outcome: vetted, verdict: vetted.failure === 'dns' ? 'failure' : 'neutral', probe, origin };
        const payload = body ?? new Uint8Array(0);
        const sent: Record<string, string> = {
          ...headers.value,
          'user-agent': policy.userAgent,
          accept: headers.value.accept ?? 'application/json',
          ...(policy.nodeId === undefined ? {} : { 'x-punchthrough-node': policy.nodeId }),
          ...(body === undefined ? {} : { 'content-type': headers.value['content-type'] ?? 'application/json', 'content-length': String(body.length) }),
          ...(signing.value ? signatureHeaders(signing.value.id, Math.floor(clock.wallTime() / 1000), payload, signing.value.keys) : {}),
        };
        const agent = pools.agentFor(origin, target.https, vetted.addresses, policy.maxConcurrentPerOrigin);
        const exchange = startExchange({ target, addresses: vetted.addresses, method, headers: sent, body, maxResponseBytes, ca: policy.ca, agent });
        void stopper.stopped.then((stop) => exchange.cut(stop.failure, stop.detail));
        const outcome = await exchange.result;
        return { outcome, verdict: breakerVerdict(outcome), probe, origin };
      } finally {
        state.queue.release();
      }
    } finally {
      stopper.dispose();
    }
  };

  const send = async (request: EgressRequest): Promise<EgressResult> => {
    const startMs = clock.now();
    const purpose = typeof request === 'object' && request !== null && PURPOSES.has(request.purpose) ? request.purpose : 'plugin';
    let outcome: ExchangeOutcome | Failed;
    let origin: string | undefined;
    try {
      const ran = await run(request, startMs);
      outcome = ran.outcome;
      origin = ran.origin;
      const state = origin === undefined ? undefined : origins.get(origin);
      if (origin !== undefined && state) {
        setBreaker(origin, state, recordCall(state.breaker, ran.verdict, ran.probe, clock.now(), { failures: policy.breakerFailures, openMs: policy.breakerOpenMs }));
        forgetIfIdle(origin, state);
      }
    } catch (error) {
      // A bug here must not become a rejected promise in a caller that was promised none.
      logger.error({ err: error }, 'egress: unexpected failure');
      outcome = { failure: 'connect', detail: 'internal error' };
    }
    const ms = clock.now() - startMs;
    const result: EgressResult =
      'ok' in outcome && outcome.ok
        ? { ok: true, status: outcome.status, headers: outcome.headers, body: outcome.body, ms }
        : { ok: false, failure: (outcome as Stopped).failure, detail: (outcome as Stopped).detail, ms };
    record(purpose, origin, result, 'reason' in outcome ? outcome.reason : undefined);
    return result;
  };

  const record = (purpose: EgressPurpose, origin: string | undefined, result: EgressResult, reason: BlockReason | undefined): void => {
    const outcome: Outcome = result.ok ? statusClass(result.status) : result.failure;
    metrics.requests.inc({ purpose, outcome });
    metrics.duration.observe({ purpose }, result.ms / 1000);
    if (!result.ok && (reason !== undefined || result.failure === 'redirect')) metrics.blocked.inc({ reason: reason ?? 'redirect' });
    // Never the URL's path or query (they can carry tokens), never headers or bodies.
    const line = { purpose, origin, outcome, ms: Math.round(result.ms), ...(result.ok ? { status: result.status } : { detail: result.detail }) };
    // Fast failures of an open breaker or a full queue would flood the log at the very moment the
    // backend is in trouble: the breaker's own warn line and the metrics tell that story.
    if ((result.ok && result.status < 500) || outcome === 'circuitOpen' || outcome === 'queueFull') logger.debug(line, 'egress: call');
    else logger.warn(line, 'egress: call failed');
  };

  return {
    metrics,
    send(request) {
      const call = send(request);
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
      return call;
    },
    openCircuits: () => [...origins.entries()].filter(([, state]) => isOpen(state.breaker)).map(([origin]) => origin),
    async close() {
      closed = true;
      for (const stop of [...closers]) stop({ failure: 'aborted', detail: 'client closed' });
      await Promise.allSettled([...inFlight]);
      pools.close();
      // The registry may be the service's and outlive this client: no breaker of ours stays "open" in it.
      for (const [origin, state] of origins) if (isOpen(state.breaker)) metrics.breakerOpen.remove({ origin });
      origins.clear();
    },
  };
}

/** An answer for the breaker: 5xx and transport failures count against the origin. */
function breakerVerdict(outcome: ExchangeOutcome): CallVerdict {
  if (outcome.ok) return outcome.status >= 500 ? 'failure' : 'success';
  return outcome.failure === 'connect' || outcome.failure === 'tls' || outcome.failure === 'timeout' || outcome.failure === 'dns' ? 'failure' : 'neutral';
}

function statusClass(status: number): Outcome {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}
