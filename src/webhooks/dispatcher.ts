/**
 * The webhook dispatcher of one session service: turns every stored change of an app with
 * webhooks into numbered notifications (a gap-free `seq` per session, a stable `evt_` id, the
 * commit time), queues them in the app's outbox and posts them through the egress client on the
 * service's clock — timers at the outbox's next due time, never a polling loop. A request only
 * enqueues; nothing here is awaited by one (docs/webhooks.md, "Delivery").
 */
import type { Registry } from 'prom-client';
import type { Env } from '../../core/index.js';
import type { EgressClient, EgressResult } from '../egress/index.js';
import type { ConnectedRequest } from '../protocol/index.js';
import { memberOf, type Change, type Session } from '../session/model.js';
import {
  DEFAULT_NOTIFICATION_TIMEOUT_MS,
  DEFAULT_NOTIFICATIONS,
  DEFAULT_OUTBOX_CAPACITY,
  DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
  DELIVERY_LOG_ANSWER_BYTES,
  MAX_DEAD_LETTERS,
  NOTIFICATION_MAX_BODY_BYTES,
  NOTIFICATION_MAX_RESPONSE_BYTES,
  PROPERTIES_NOTIFICATION_GAP_MS,
  type NotificationType,
} from './constants.js';
import { offer, release, type CoalesceState } from './coalesce.js';
import { retryAfterMs, type AttemptOutcome } from './delivery.js';
import { createDeliveryLog, type DeadLetterView, type DeliveryRecord } from './delivery-log.js';
import { createWebhookMetrics } from './metrics.js';
import { notificationsOf, type Notification } from './notifications.js';
import { createOutbox, type Outbox, type OutboxEntry } from './outbox.js';
import { appOf, renderBody, urlOf, type NumberedNotification } from './render.js';
import { sampleNotification } from './sample.js';
import type { WebhooksConfig } from './types.js';

export interface WebhookDispatcher {
  /** A change was stored (`before` undefined for a create): its notifications are queued. */
  committed(before: Session | undefined, change: Pick<Change<unknown>, 'next' | 'events'>): void;
  /** A member reported how it connected (CONNECTED): `peer.connected`. */
  connected(sessionId: string, actor: number, request: Pick<ConnectedRequest, 'path' | 'ms'>): void;
  deliveries(filter?: { appId?: string; sessionId?: string; limit?: number; after?: number }): DeliveryRecord[];
  deadLetters(appId?: string): DeadLetterView[];
  /** Queues a dead letter again with its id; false when there is none with that id. */
  replay(id: string): boolean;
  /** Sends a signed sample of `type` to the app's endpoint now (no retry); undefined: the app has no webhooks. */
  test(appId: string, type: NotificationType): Promise<DeliveryRecord | undefined>;
  /** Every timer stops; queued notifications are dropped (the outbox is in memory). */
  shutdown(): void;
}

export interface WebhookDispatcherOptions {
  /** The app's webhooks ('*' applied), if any. */
  configOf(appId: string): WebhooksConfig | undefined;
  egress: EgressClient;
  region: string;
  /** This node's name in the native envelope. */
  node: string;
  registry: Registry;
  /** A notification was dead-lettered (Photon's HasErrorInfo: the gates' HOOK_ERROR event can tell the session). */
  deadLettered?(letter: { appId: string; sessionId: string; type: string; id: string; reason: string }): void;
}

interface SessionState extends CoalesceState {
  session: Session;
  seq: number;
}

interface Lane {
  readonly config: WebhooksConfig;
  readonly outbox: Outbox;
  timer: ReturnType<Env['clock']['setTimeout']> | undefined;
  timerAt: number | undefined;
  scheduled: boolean;
}

/** An attempt's result: the egress client's, or a body over its cap that was never sent. */
type SendResult = EgressResult | { ok: false; failure: 'bodyTooLarge'; detail: string; ms: number };

/** `make`'s value, made on the first call. */
const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
};

const enabled = (type: NotificationType, config: WebhooksConfig): boolean => {
  if (config.paths?.[type] === false) return false;
  if (config.events) return config.events.includes(type);
  return DEFAULT_NOTIFICATIONS.includes(type) || typeof config.paths?.[type] === 'string';
};

export function createWebhookDispatcher(env: Env, options: WebhookDispatcherOptions): WebhookDispatcher {
  const { clock } = env;
  const logger = env.logger.child({ component: 'webhooks' });
  // Keyed by configuration (a finite set from the operator), not by app id (clients choose those).
  const lanes = new Map<WebhooksConfig, Lane>();
  // Sessions of apps with webhooks: their last state (for CONNECTED), last seq, held property change.
  const sessions = new Map<string, SessionState>();
  // Sessions holding a property notification back (coalesce.ts), and the one timer for them.
  const holding = new Set<string>();
  let holdTimer: ReturnType<Env['clock']['setTimeout']> | undefined;
  const log = createDeliveryLog(clock);
  let stopped = false;
  const random = (): number => (env.random(4).reduce((n, byte) => n * 256 + byte, 0) >>> 0) / 2 ** 32;
  const newId = (): string => `evt_${Buffer.from(env.random(16)).toString('base64url')}`;

  const allLanes = () => [...lanes.values()];
  const metrics = createWebhookMetrics(options.registry, {
    depth: () => allLanes().reduce((n, lane) => n + lane.outbox.size, 0),
    oldestAgeS: () => {
      const oldest = Math.min(...allLanes().map((lane) => lane.outbox.oldestCreatedAt() ?? Infinity));
      return Number.isFinite(oldest) ? (clock.now() - oldest) / 1_000 : 0;
    },
    dead: () => allLanes().reduce((n, lane) => n + lane.outbox.deadLetters.length, 0),
  });

  const laneOf = (config: WebhooksConfig): Lane => {
    let lane = lanes.get(config);
    if (!lane) {
      const outbox = createOutbox({
        capacity: config.outboxCapacity ?? DEFAULT_OUTBOX_CAPACITY,
        maxInFlight: config.maxInFlight ?? DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
        maxDeadLetters: MAX_DEAD_LETTERS,
        ordering: config.ordering ?? 'session',
        ...(config.retry?.scheduleMs ? { scheduleMs: config.retry.scheduleMs } : {}),
        ...(config.retry?.maxAgeMs === undefined ? {} : { maxAgeMs: config.retry.maxAgeMs }),
      });
      lane = { config, outbox, timer: undefined, timerAt: undefined, scheduled: false };
      lanes.set(config, lane);
    }
    return lane;
  };

  const answerText = (result: SendResult): string => (result.ok ? Buffer.from(result.body.subarray(0, DELIVERY_LOG_ANSWER_BYTES)).toString('utf8') : result.detail.slice(0, DELIVERY_LOG_ANSWER_BYTES));
  const pathOfUrl = (url: string): string => new URL(url).pathname;

  const post = (config: WebhooksConfig, entry: Pick<OutboxEntry, 'id' | 'type' | 'sessionId' | 'url' | 'body' | 'attempts'>): Promise<EgressResult> => {
    const secret = config.secrets[0];
    return options.egress.send({
      url: entry.url,
      method: 'POST',
      headers: {
        ...config.customHeaders,
        ...(config.legacySecretHeader && secret !== undefined ? { 'x-secretkey': secret, 'x-origin': 'Photon' } : {}),
        'x-punchthrough-event': entry.type,
        'x-punchthrough-attempt': String(entry.attempts),
        'x-punchthrough-session': entry.sessionId,
      },
      body: entry.body(),
      deadline: clock.now() + (config.timeouts?.notificationMs ?? DEFAULT_NOTIFICATION_TIMEOUT_MS),
      maxResponseBytes: NOTIFICATION_MAX_RESPONSE_BYTES,
      sign: { id: entry.id, secrets: config.secrets },
      purpose: 'webhook',
    });
  };

  const attempt = async (lane: Lane, entry: OutboxEntry): Promise<void> => {
    const bytes = entry.body().length;
    if (bytes > NOTIFICATION_MAX_BODY_BYTES) logger.error({ eventId: entry.id, sessionId: entry.sessionId, type: entry.type, bytes }, 'webhook: notification body over its cap, not sent');
    const result: SendResult = bytes > NOTIFICATION_MAX_BODY_BYTES ? { ok: false, failure: 'bodyTooLarge', detail: `body of ${bytes} bytes over ${NOTIFICATION_MAX_BODY_BYTES}`, ms: 0 } : await post(lane.config, entry);
    if (stopped) return;
    const outcome: AttemptOutcome = result.ok
      ? { kind: 'answered', status: result.status, ...retryAfter(result) }
      : { kind: 'failed', failure: result.failure };
    const settled = lane.outbox.settle(entry, outcome, clock.now(), random());
    metrics.deliveries.inc({ type: entry.type, outcome: settled.kind === 'delivered' ? 'ok' : settled.kind });
    if (settled.kind === 'delivered') {
      metrics.attempts.observe(entry.attempts);
      metrics.latency.observe({ type: entry.type }, (clock.now() - entry.createdAt) / 1_000);
    }
    const line = {
      id: entry.id,
      type: entry.type,
      appId: entry.appId ?? '',
      sessionId: entry.sessionId,
      seq: entry.seq,
      path: pathOfUrl(entry.url),
      attempt: entry.attempts,
      ...(result.ok ? { status: result.status } : { failure: result.failure }),
      outcome: settled.kind,
      ms: Math.round(result.ms),
      answer: answerText(result),
    };
    log.record(line);
    const fields = { eventId: entry.id, appId: entry.appId, sessionId: entry.sessionId, attempt: entry.attempts, ms: line.ms, ...(result.ok ? { status: result.status } : { failure: result.failure }) };
    if (settled.kind === 'dead') {
      logger.warn({ ...fields, reason: settled.reason }, 'webhook: notification dead-lettered');
      options.deadLettered?.({ appId: entry.appId ?? '', sessionId: entry.sessionId, type: entry.type, id: entry.id, reason: settled.reason ?? 'dead' });
    }
    else if (settled.kind === 'retry') logger.warn(fields, 'webhook: attempt failed, will retry');
    else logger.debug(fields, 'webhook: delivered');
    schedule(lane);
  };

  const retryAfter = (result: Extract<EgressResult, { ok: true }>): { retryAfterMs?: number } => {
    const ms = retryAfterMs(result.headers['retry-after'], clock.wallTime());
    return ms === undefined ? {} : { retryAfterMs: ms };
  };

  const pump = (lane: Lane): void => {
    lane.scheduled = false;
    if (stopped) return;
    for (const entry of lane.outbox.due(clock.now())) void attempt(lane, entry);
    arm(lane);
  };

  /** A timer for the next queued entry's due time (one per lane, re-armed only when it moves). */
  const arm = (lane: Lane): void => {
    const at = lane.outbox.nextDueAt();
    if (at === lane.timerAt) return;
    clock.clearTimeout(lane.timer);
    lane.timer = undefined;
    lane.timerAt = at;
    if (at === undefined) return;
    lane.timer = clock.setTimeout(() => {
      lane.timer = undefined;
      lane.timerAt = undefined;
      pump(lane);
    }, Math.max(0, at - clock.now()));
  };

  /** Sends what is due soon after the caller returns: a request only enqueues. */
  const schedule = (lane: Lane): void => {
    if (lane.scheduled || stopped) return;
    lane.scheduled = true;
    queueMicrotask(() => pump(lane));
  };

  const enqueue = (config: WebhooksConfig, note: Notification, seq: number, createdAt: number, wall: number): void => {
    const { appId, appVersion } = appOf(note.session);
    const url = urlOf(note.type, config, { AppId: appId, AppVersion: appVersion, Region: options.region });
    if (url === undefined) return;
    const numbered: NumberedNotification = { ...note, id: newId(), seq, time: wall };
    const lane = laneOf(config);
    const body = once(() => renderBody(numbered, { region: options.region, node: options.node }, config));
    const overflow = lane.outbox.add({ id: numbered.id, sessionId: note.session.sessionId, seq, type: note.type, appId, url, body, createdAt });
    if (overflow) {
      metrics.deliveries.inc({ type: overflow.entry.type, outcome: 'overflow' });
      logger.warn({ eventId: overflow.entry.id, sessionId: overflow.entry.sessionId }, 'webhook: outbox full, oldest notification dead-lettered');
    }
    schedule(lane);
  };

  const number = (config: WebhooksConfig, state: SessionState, notes: readonly Notification[]): void => {
    const createdAt = clock.now();
    const wall = clock.wallTime();
    for (const note of notes) {
      state.seq += 1;
      enqueue(config, note, state.seq, createdAt, wall);
    }
  };

  const queue = (config: WebhooksConfig, sessionId: string, notes: readonly Notification[]): void => {
    const state = sessions.get(sessionId);
    if (!state) return;
    const wanted = notes.filter((note) => enabled(note.type, config));
    number(config, state, offer(state, wanted, clock.now(), PROPERTIES_NOTIFICATION_GAP_MS));
    if (state.held) holding.add(sessionId);
    else holding.delete(sessionId);
    armHold();
  };

  /** One timer for the earliest held property notification. */
  const armHold = (): void => {
    clock.clearTimeout(holdTimer);
    holdTimer = undefined;
    let at = Infinity;
    for (const sessionId of holding) at = Math.min(at, sessions.get(sessionId)?.held?.at ?? Infinity);
    if (!Number.isFinite(at) || stopped) return;
    holdTimer = clock.setTimeout(() => {
      holdTimer = undefined;
      const now = clock.now();
      for (const sessionId of [...holding]) {
        const state = sessions.get(sessionId);
        const config = state && options.configOf(appOf(state.session).appId);
        if (!state?.held || !config) holding.delete(sessionId);
        else if (state.held.at <= now) {
          holding.delete(sessionId);
          number(config, state, [release(state, now)]);
        }
      }
      armHold();
    }, Math.max(0, at - clock.now()));
  };

  const toView = (entry: OutboxEntry, reason: string): DeadLetterView => ({
    id: entry.id,
    type: entry.type,
    appId: entry.appId ?? '',
    sessionId: entry.sessionId,
    seq: entry.seq,
    path: pathOfUrl(entry.url),
    attempts: entry.attempts,
    reason,
  });

  return {
    committed(before, change) {
      if (stopped) return;
      const session = change.next ?? before;
      if (!session) return;
      const config = options.configOf(appOf(session).appId);
      if (!config) return;
      const { sessionId } = session;
      let state = sessions.get(sessionId);
      if (!state) sessions.set(sessionId, (state = { session, seq: 0 }));
      if (change.next) state.session = change.next;
      if (change.events.length > 0) queue(config, sessionId, notificationsOf(before, change, { propertiesForward: config.propertiesForward ?? 'flagged' }));
      if (!change.next) {
        sessions.delete(sessionId);
        holding.delete(sessionId);
      }
    },

    connected(sessionId, actor, request) {
      const state = sessions.get(sessionId);
      const member = state && memberOf(state.session, actor);
      if (!state || !member || stopped) return;
      const config = options.configOf(appOf(state.session).appId);
      if (!config) return;
      queue(config, sessionId, [{ type: 'peer.connected', session: state.session, member, data: { kind: 'connected', path: request.path, ms: request.ms } }]);
    },

    deliveries: (filter) => log.list(filter),

    deadLetters(appId) {
      const out: DeadLetterView[] = [];
      for (const lane of lanes.values()) {
        for (const letter of lane.outbox.deadLetters) if (appId === undefined || letter.entry.appId === appId) out.push(toView(letter.entry, letter.reason));
      }
      return out;
    },

    replay(id) {
      for (const lane of lanes.values()) {
        if (lane.outbox.replay(id, clock.now())) {
          schedule(lane);
          return true;
        }
      }
      return false;
    },

    async test(appId, type) {
      const config = options.configOf(appId);
      if (!config) return undefined;
      const note = sampleNotification(appId, type);
      // A test goes to the type's path even when the type is switched off (the operator asked for it).
      const paths = { ...config.paths, [type]: config.paths?.[type] === false ? undefined : config.paths?.[type] };
      const url = urlOf(type, { ...config, paths }, { AppId: appId, AppVersion: '', Region: options.region })!;
      const numbered: NumberedNotification = { ...note, id: newId(), seq: 0, time: clock.wallTime() };
      const body = renderBody(numbered, { region: options.region, node: options.node }, config);
      const entry = { id: numbered.id, type, sessionId: note.session.sessionId, url, body: () => body, attempts: 1 };
      const result = await post(config, entry);
      return log.record({
        id: entry.id,
        type,
        appId,
        sessionId: entry.sessionId,
        seq: 0,
        path: pathOfUrl(entry.url),
        attempt: 1,
        ...(result.ok ? { status: result.status } : { failure: result.failure }),
        outcome: 'test',
        ms: Math.round(result.ms),
        answer: answerText(result),
      });
    },

    shutdown() {
      stopped = true;
      for (const lane of lanes.values()) clock.clearTimeout(lane.timer);
      clock.clearTimeout(holdTimer);
      sessions.clear();
      holding.clear();
    },
  };
}
