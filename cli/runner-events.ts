// Prints a NetworkRunner's events as `host` and `client` output lines: progress, reflexive
// address, and one table entry per further runner event.
import type { NetworkRunner, NetworkRunnerEvents, ProgressEvent, ShutdownEvent } from '../client-sdk/index.js';
import { PunchthroughError, formatEndpoint, type UdpEndpoint } from '../core/index.js';
import type { Output } from './output.js';

/** Progress and reflexive-address lines, shared by `host` and `client`. */
export function reportProgress(runner: NetworkRunner, out: Output): void {
  runner.on('progress', (progress: ProgressEvent) => {
    out.event(
      {
        event: 'progress',
        flow: progress.flow,
        step: progress.step,
        name: progress.name,
        ms: Math.round(progress.sinceStartMs),
        ...(progress.peerId ? { peer: progress.peerId } : {}),
      },
      `step      ${progress.flow} ${String(progress.step).padStart(2)}  ${progress.name}  (+${Math.round(progress.sinceStartMs)} ms)`,
    );
    const reflexive = progress.step === 10 && progress.flow !== 'connect' ? progress.detail?.reflexive : undefined;
    if (reflexive) {
      const address = formatEndpoint(reflexive as UdpEndpoint);
      out.event({ event: 'reflexive', address }, `reflexive ${address}`);
    }
  });
}

/** One output line: the JSON object (--json) and the readable line. */
type Line = [json: Record<string, unknown> & { event: string }, human: string];
type LineOf<K extends keyof NetworkRunnerEvents> = (...args: NetworkRunnerEvents[K]) => Line;

/**
 * The runner events both commands print as they are, one entry each (a new runner event is
 * one line here and a row in docs/cli.md). JSON names are kebab-case like the others. A
 * shutdown's message is not repeated: an error that ends the runner is the `failed` line.
 */
export const RUNNER_EVENT_LINES: { readonly [K in keyof NetworkRunnerEvents]?: LineOf<K> } = {
  pathChanged: (e) => [
    { event: 'path-changed', peer: e.peerId, path: e.path, remote: formatEndpoint(e.remote), from: e.from, reason: e.reason },
    `path      ${e.peerId} ${e.from} → ${e.path} ${formatEndpoint(e.remote)} (${e.reason})`,
  ],
  relayError: (e) => [
    { event: 'relay-error', code: e.code, message: e.message, usable: e.usable, ...(e.actor === undefined ? {} : { actor: e.actor }) },
    `relay     ${e.code}: ${e.message}${e.usable ? '' : ' (relay path lost)'}`,
  ],
  signalingLost: (e) => [{ event: 'signaling-lost', code: e.code, message: e.message }, `signaling lost ${e.code}: ${e.message}`],
  cloudConnectionLost: (e) => [
    { event: 'cloud-lost', code: e.code, reason: e.reason, reconnecting: e.reconnecting },
    `cloud     lost (${e.code}: ${e.reason})${e.reconnecting ? ', reconnecting' : ''}`,
  ],
  cloudConnectionRestored: (e) => [
    { event: 'cloud-restored', how: e.how, session: e.sessionId, actor: e.actor },
    `cloud     back: ${e.how} session ${e.sessionId} as actor ${e.actor}`,
  ],
  sessionClosed: (e) => [{ event: 'session-closed', session: e.sessionId, reason: e.reason }, `closed    session ${e.sessionId} (${e.reason})`],
  playerJoined: (e) => [
    { event: 'player-joined', actor: e.actor, peer: e.peerId, mode: e.mode, rejoined: e.rejoined },
    `player    ${e.actor} ${e.rejoined ? 'rejoined' : 'joined'} (${e.mode}, ${e.peerId})`,
  ],
  playerInactive: (e) => [
    { event: 'player-inactive', actor: e.actor, peer: e.peerId, expiresInMs: e.expiresInMs },
    `player    ${e.actor} inactive, its slot kept ${e.expiresInMs} ms`,
  ],
  playerLeft: (e) => [{ event: 'player-left', actor: e.actor, peer: e.peerId, reason: e.reason }, `player    ${e.actor} left (${e.reason})`],
  sessionPropertiesChanged: (e) => [
    { event: 'session-properties', actor: e.actor, changed: e.changed, open: e.session.open, visible: e.session.visible },
    `session   properties changed by ${e.actor}: ${JSON.stringify(e.changed)}`,
  ],
  natTypeDiscovered: (e) => [
    { event: 'nat-type', natType: e.natType, mapping: e.mapping, filtering: e.filtering },
    `nat       ${e.natType} (mapping ${e.mapping}, filtering ${e.filtering})`,
  ],
  warning: (e) => [{ event: 'warning', code: e.code, message: e.message }, `warning   ${e.code}: ${e.message}`],
  shutdown: (e) => [{ event: 'shutdown', reason: e.reason, ...(e.code ? { code: e.code } : {}) }, `shutdown  ${e.reason}${e.code ? ` (${e.code})` : ''}`],
};

/** Prints every event of {@link RUNNER_EVENT_LINES} as it happens. */
export function reportRunnerEvents(runner: NetworkRunner, out: Output): void {
  for (const name of Object.keys(RUNNER_EVENT_LINES) as Array<keyof NetworkRunnerEvents>) follow(runner, out, name);
}

function follow<K extends keyof NetworkRunnerEvents>(runner: NetworkRunner, out: Output, name: K): void {
  const line = RUNNER_EVENT_LINES[name] as LineOf<K> | undefined;
  if (!line) return;
  const print = (...args: NetworkRunnerEvents[K]): void => out.event(...line(...args));
  (runner.on as (event: K, listener: typeof print) => NetworkRunner).call(runner, name, print);
}

/**
 * Resolves with the error that shut the runner down on its own once it was running (kicked,
 * cloud gone for good, …); never resolves for a shutdown the command asked for.
 */
export function runnerEnded(runner: NetworkRunner): Promise<PunchthroughError> {
  return new Promise((resolve) => {
    runner.on('shutdown', (event: ShutdownEvent) => {
      if (event.code) resolve(new PunchthroughError(event.code, event.message));
    });
  });
}
