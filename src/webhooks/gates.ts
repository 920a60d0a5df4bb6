/**
 * Webhook gates: session.beforeCreate and peer.beforeJoin, POSTed to the game's backend through
 * the egress client (signed, purpose 'webhook') after the app's plugin gate, within what is left
 * of the 4 s gate chain; an endpoint error is retried once when ≥ 1 s remains, then the app's
 * onGateError decides (docs/webhooks.md, "Gates").
 */
import { Counter, type Registry } from 'prom-client';
import { PunchthroughError, type Env } from '../../core/index.js';
import type { EgressClient } from '../egress/index.js';
import type { Properties } from '../protocol/index.js';
import type { Delivery, Session, SessionSettings } from '../session/model.js';
import type { Peer } from '../session/peer.js';
import { identityOf } from '../plugins/view.js';
import { expandUrlTags } from '../rpc/path.js';
import { readGateAnswer, type GateVerdict } from './gate-answer.js';
import { nativeGateBody, photonGateBody, type GateEvent, type GateType } from './gate-body.js';
import { GATE_ATTEMPT_MS, GATE_DEFAULT_PATHS, GATE_MAX_REQUEST_BYTES, GATE_MAX_RESPONSE_BYTES, GATE_MIN_RETRY_MS } from './gate-constants.js';
import { hookErrorFor } from './hook-error.js';
import type { WebhooksConfig } from './types.js';

export interface WebhookGatesOptions {
  /** The app's webhooks (its own, else '*'), if any. */
  webhooksOf(appId: string): WebhooksConfig | undefined;
  /** The service's egress client; without one an enabled gate is an endpoint error. */
  egress?: EgressClient;
  /** Photon's Region: in bodies and the {Region} tag. */
  region: string;
  registry: Registry;
  /** The service's limits, applied to a beforeCreate's overrides (LIMIT_EXCEEDED, INVALID_REQUEST). */
  settingsFrom(settings: SessionSettings): SessionSettings;
  checkProperties(properties: Properties | undefined): void;
  /** Sends events to members (HOOK_ERROR). */
  publish(sessionId: string, deliveries: Delivery[]): void;
}

export interface WebhookGates {
  /** session.beforeCreate: the settings to create with (overrides applied), or throws the refusal. `deadline`: the chain's end (clock ms). */
  beforeCreate(peer: Peer, draft: { sessionId: string; name: string; settings: SessionSettings }, deadline: number): Promise<SessionSettings>;
  /** peer.beforeJoin of a join, random join candidate or rejoin: throws the refusal. */
  beforeJoin(peer: Peer, session: Session, kind: 'join' | 'random' | 'rejoin', actor: number | undefined, deadline: number): Promise<void>;
}

/** Whether a refusal ends a random join instead of moving to its next candidate (a gate's deny without `skip`). */
export function finalRefusal(error: PunchthroughError): boolean {
  return (error.code === 'HOOK_REJECTED' || error.code === 'HOOK_TIMEOUT') && error.detail?.hook !== undefined && error.detail.reason !== 'skip';
}

type Outcome = 'allow' | 'deny' | 'error_deny' | 'error_allow';

export function createWebhookGates(env: Env, options: WebhookGatesOptions): WebhookGates {
  const { clock, logger } = env;
  const registers = [options.registry];
  const gateTotal = new Counter({ name: 'punchthrough_webhook_gate_total', help: 'Webhook gate calls by gate and outcome (allow, deny, error_deny, error_allow).', labelNames: ['gate', 'outcome'], registers });
  const failOpen = new Counter({ name: 'punchthrough_webhook_gate_failopen_total', help: "Webhook gates whose endpoint failed and that let the request through (onGateError 'allow').", labelNames: ['gate'], registers });

  /** The gate's config, when the app has it enabled. */
  const enabled = (appId: string, type: GateType): WebhooksConfig | undefined => {
    const config = options.webhooksOf(appId);
    const gates: unknown = config?.gates;
    if (!config || typeof gates !== 'object' || gates === null) return undefined;
    const on = type === 'session.beforeCreate' ? (gates as { beforeCreate?: unknown }).beforeCreate : (gates as { beforeJoin?: unknown }).beforeJoin;
    return on === true && config.paths?.[type] !== false ? config : undefined;
  };

  const urlOf = (config: WebhooksConfig, type: GateType, appId: string, appVersion: string): string => {
    const configured = config.paths?.[type];
    let path = (typeof configured === 'string' ? configured : GATE_DEFAULT_PATHS[type]).replace(/^\/+/, '');
    if (config.format === 'playfab') path = path.replaceAll('/', '_');
    const base = new URL(expandUrlTags(config.baseUrl, { AppId: appId, AppVersion: appVersion, Region: options.region }));
    base.pathname = `${base.pathname.replace(/\/+$/, '')}/${path}`;
    return base.href;
  };

  const headersOf = (config: WebhooksConfig, type: GateType, sessionId: string, attempt: number): Record<string, string> => ({
    ...(config.customHeaders ?? {}),
    ...(config.legacySecretHeader === true && config.secrets[0] !== undefined ? { 'x-secretkey': config.secrets[0], 'x-origin': 'Photon' } : {}),
    'x-punchthrough-event': type,
    'x-punchthrough-attempt': String(attempt),
    'x-punchthrough-session': sessionId,
  });

  /** One gate: at most two attempts within the chain's deadline; the verdict of the last. */
  const ask = async (config: WebhooksConfig, event: GateEvent, peer: Peer, deadline: number): Promise<GateVerdict> => {
    const egress = options.egress;
    if (!egress) return { kind: 'error', problem: 'no egress client' };
    const rendered = config.format === 'photon-v1.2' || config.format === 'playfab' ? photonGateBody(event) : nativeGateBody(event);
    const body = new TextEncoder().encode(JSON.stringify(rendered));
    if (body.length > GATE_MAX_REQUEST_BYTES) return { kind: 'error', problem: 'request body over 64 KiB' };
    const gateMs = typeof config.timeouts?.gateMs === 'number' && config.timeouts.gateMs > 0 ? config.timeouts.gateMs : GATE_ATTEMPT_MS;
    let verdict: GateVerdict = { kind: 'error', problem: 'timeout' };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const left = deadline - clock.now();
      if (left <= 0 || (attempt === 2 && left < GATE_MIN_RETRY_MS)) break;
      const result = await egress.send({
        url: urlOf(config, event.type, event.appId, event.appVersion),
        method: 'POST',
        headers: headersOf(config, event.type, event.session.id, attempt),
        body,
        deadline: clock.now() + Math.min(gateMs, left),
        maxResponseBytes: GATE_MAX_RESPONSE_BYTES,
        sign: { id: event.id, secrets: config.secrets },
        ...(peer.signal ? { signal: peer.signal } : {}),
        purpose: 'webhook',
      });
      if (!result.ok && result.failure === 'aborted') throw new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the backend decided');
      verdict = readGateAnswer(result.ok ? { ok: true, status: result.status, body: result.body } : { ok: false, failure: result.failure }, event.type);
      if (verdict.kind !== 'error') return verdict;
      logger.warn({ appId: event.appId, gate: event.type, attempt, problem: verdict.problem }, 'webhook.gate: endpoint error');
    }
    return verdict;
  };

  /** Throws the refusal of a verdict; returns the overrides of an allow (undefined for an endpoint error let through). */
  const settle = (config: WebhooksConfig, type: GateType, verdict: GateVerdict, session: Session | undefined): GateVerdict & { kind: 'allow' } => {
    const count = (outcome: Outcome): void => void gateTotal.inc({ gate: type, outcome });
    if (verdict.kind === 'allow') return count('allow'), verdict;
    if (verdict.kind === 'deny') {
      count('deny');
      const detail = { hook: type, ...(verdict.skip ? { reason: 'skip' } : verdict.reason === undefined ? {} : { reason: verdict.reason }), ...(verdict.resultCode === undefined ? {} : { resultCode: verdict.resultCode }) };
      throw new PunchthroughError('HOOK_REJECTED', verdict.message ?? `the game's backend refused (${type})`, { detail });
    }
    if (session && config.errorInfo === true) options.publish(session.sessionId, hookErrorFor(session, type, `the backend failed: ${verdict.problem}`));
    if (config.onGateError === 'allow') {
      count('error_allow');
      failOpen.inc({ gate: type });
      return { kind: 'allow' };
    }
    count('error_deny');
    throw new PunchthroughError('HOOK_TIMEOUT', `the game's backend did not answer ${type} (${verdict.problem})`, { detail: { hook: type } });
  };

  const eventOf = (peer: Peer, type: GateType, session: GateEvent['session'], config: WebhooksConfig, extra: Pick<GateEvent, 'kind'> & { actor?: number; mode: 'server' | 'client' }): GateEvent => {
    const identity = identityOf(peer);
    return {
      type,
      id: `evt_${Buffer.from(env.random(16)).toString('base64url')}`,
      time: clock.wallTime(),
      appId: peer.hello?.appId ?? '',
      appVersion: peer.hello?.appVersion ?? '',
      region: options.region,
      session,
      peer: { userId: identity.userId, mode: extra.mode, ...(identity.nickname === undefined ? {} : { nickname: identity.nickname }), ...(extra.actor === undefined ? {} : { actor: extra.actor }) },
      ...(extra.kind === undefined ? {} : { kind: extra.kind }),
      ...(config.sendAuthCookie === true && identity.authCookie !== undefined ? { authCookie: identity.authCookie } : {}),
    };
  };

  return {
    async beforeCreate(peer, draft, deadline) {
      const type = 'session.beforeCreate';
      const config = enabled(peer.hello?.appId ?? '', type);
      if (!config) return draft.settings;
      const { settings } = draft;
      const session = { id: draft.sessionId, name: draft.name, players: 0, ...settings, properties: settings.properties, lobbyKeys: settings.lobbyKeys };
      const verdict = settle(config, type, await ask(config, eventOf(peer, type, session, config, { mode: 'server' }), peer, deadline), undefined);
      if (peer.closed) throw new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the backend decided');
      if (!verdict.overrides) return settings;
      // The backend is the network: its overrides meet the same limits as a client's create.
      options.checkProperties(verdict.overrides.properties);
      return options.settingsFrom({ ...settings, ...verdict.overrides });
    },

    async beforeJoin(peer, session, kind, actor, deadline) {
      const type = 'peer.beforeJoin';
      const config = enabled(peer.hello?.appId ?? '', type);
      if (!config) return;
      const lobby: Properties = {};
      for (const key of session.lobbyKeys) if (Object.hasOwn(session.properties, key)) lobby[key] = session.properties[key]!;
      const view = {
        id: session.sessionId,
        name: session.name,
        players: session.members.filter((m) => m.active).length,
        maxPlayers: session.maxPlayers,
        open: session.open,
        visible: session.visible,
        playerTtlMs: session.playerTtlMs,
        emptySessionTtlMs: session.emptySessionTtlMs,
        properties: lobby,
        lobbyKeys: session.lobbyKeys,
      };
      const event = eventOf(peer, type, view, config, { kind, mode: 'client', ...(actor === undefined ? {} : { actor }) });
      settle(config, type, await ask(config, event, peer, deadline), session);
      if (peer.closed) throw new PunchthroughError('NOT_IN_SESSION', 'the connection closed while the backend decided');
    },
  };
}
