// Session plugins as test fixtures (user code): a recording plugin that logs every callback with
// enter/exit stamps, plugins that fail, throw, hang or loop, and a service with an app's plugins
// on port 0 with raw WebSocket clients that announce the plugin-events feature.
import { buildSessionService, type PluginFactory, type PluginHost, type SessionPlugin, type SessionServiceOptions } from '../../src/index.js';
import { Feature, PROTOCOL_VERSION, RequestType } from '../../src/protocol/index.js';
import { SignalingError, TestSignalingClient } from './signaling-client.js';

export interface Stamp {
  sessionId: string;
  callback: string;
  actor?: number;
  start: number;
  end: number;
}

/** What one recording factory saw: log lines by session name, stamps of every call. */
export interface Recording {
  readonly log: Map<string, string[]>;
  readonly stamps: Stamp[];
  readonly hosts: Map<string, PluginHost>;
  lines(session: string): string[];
}

type Call = { peer?: { actor?: number }; kind?: string; reason?: string; isInactive?: boolean; rejoined?: boolean; name?: string };

/** A line per call: `callback[:actor][:detail]`. */
function lineOf(callback: string, call: Call): string {
  const parts = [callback];
  if (call.peer?.actor !== undefined) parts.push(String(call.peer.actor));
  if (call.kind !== undefined) parts.push(call.kind);
  if (call.reason !== undefined) parts.push(call.reason);
  if (call.isInactive) parts.push('inactive');
  if (call.rejoined) parts.push('rejoined');
  return parts.join(':');
}

const CALLBACKS = ['onCreate', 'beforeJoin', 'onJoin', 'onLeave', 'beforeSetProperties', 'onSetProperties', 'onAddresses', 'onPeerConnected', 'beforeClose', 'onClose'] as const;

/**
 * A factory of `names` whose plugins record every callback, then do what `behave` says for
 * that plugin name (a callback's own code runs after the record; its return is the result).
 * `delayMs` makes every callback take that long (to widen the window for overlaps).
 */
export function recordingFactory(
  names: string[],
  behave: Record<string, Partial<Record<(typeof CALLBACKS)[number], (call: never, host: PluginHost) => unknown>>> = {},
  delayMs = 0,
): PluginFactory & { recording: Recording } {
  const recording: Recording = {
    log: new Map(),
    stamps: [],
    hosts: new Map(),
    lines(session) {
      return this.log.get(session) ?? [];
    },
  };
  return {
    names,
    recording,
    create(name, host) {
      const plugin: Record<string, unknown> = { name };
      for (const callback of CALLBACKS) {
        plugin[callback] = async (call: Call & { session: { name: string; sessionId: string } }) => {
          const session = callback === 'onCreate' ? call.name! : call.session.name;
          if (callback === 'onCreate') recording.hosts.set(session, host);
          const start = performance.now();
          const lines = recording.log.get(session) ?? [];
          recording.log.set(session, lines);
          lines.push(lineOf(callback, call));
          try {
            if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
            const own = behave[name]?.[callback];
            return own ? await own(call as never, host) : undefined;
          } finally {
            recording.stamps.push({ sessionId: session, callback, ...(call.peer?.actor === undefined ? {} : { actor: call.peer.actor }), start, end: performance.now() });
          }
        };
      }
      return plugin as unknown as SessionPlugin;
    },
  };
}

/** Waits until `check` passes (polling every 10 ms), failing after `timeoutMs` with its last error. */
export async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

export interface PluginService {
  url: string;
  /** A raw client after hello; `features` default: codes-v2 and plugin-events (as the SDK announces). */
  client(options?: { features?: string[]; appId?: string }): Promise<TestSignalingClient>;
  close(): Promise<void>;
}

export async function startPluginService(options: SessionServiceOptions): Promise<PluginService> {
  const service = buildSessionService({ maxConnectionsPerAddress: 1_000, maxSessionsPerAddress: 1_000, requestsPerSecond: 1_000, ...options });
  const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
  const url = `ws://127.0.0.1:${port}/v1/signaling`;
  const clients: TestSignalingClient[] = [];
  return {
    url,
    async client({ features = [Feature.CODES_V2, Feature.PLUGIN_EVENTS], appId = 'game' } = {}) {
      const client = await TestSignalingClient.connect(url);
      clients.push(client);
      await client.request({ type: RequestType.HELLO, appId, appVersion: '1', protocolVersion: PROTOCOL_VERSION, features });
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await service.close();
    },
  };
}

/** The error reply a request got (it must fail). */
export async function replyError(promise: Promise<unknown>): Promise<SignalingError['reply']> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SignalingError) return error.reply;
    throw error;
  }
  throw new Error('expected an error reply');
}
