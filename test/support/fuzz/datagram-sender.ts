// UDP fuzz driver: batches of fuzz datagrams at one target, each batch followed by a probe the
// target answers, so the target has drained its socket before more arrive (no buffer overflow).
// A probe travels to the target's socket like the fuzz does, so its answer means the target has
// read everything sent before it.
import type { UdpSocket } from '../../../core/index.js';
import type { FuzzDatagram } from './datagrams.js';
import { hexPreview, type Rng } from './random.js';

/** A request the target answers: `send` it, `matches` recognises the answer. */
export interface ProbeSpec {
  /** Sends probe number `nonce` from one of the probe sockets. */
  send(nonce: number): void;
  /** The nonce this answer (received on `socket`, if it came on a socket) answers, or undefined if none. */
  answerOf(reply: Buffer, socket: UdpSocket | undefined): number | undefined;
  timeoutMs: number;
  /** Waits until the next probe may be sent (a target that answers each source rarely). */
  ready?(): Promise<void>;
}

export interface Prober {
  /** Resolves true once the target answered, false after the timeout. */
  probe(): Promise<boolean>;
  /** Feed every datagram (or message) the probe sockets receive here. */
  onReply(reply: Buffer, socket: UdpSocket | undefined): void;
}

export function createProber(spec: ProbeSpec): Prober {
  const waiting = new Map<number, () => void>();
  let nonce = 1;
  return {
    async probe() {
      await spec.ready?.();
      const n = nonce++ >>> 0;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(n);
          resolve(false);
        }, spec.timeoutMs);
        waiting.set(n, () => {
          clearTimeout(timer);
          waiting.delete(n);
          resolve(true);
        });
        spec.send(n);
      });
    },
    onReply(reply, socket) {
      const n = spec.answerOf(reply, socket);
      if (n !== undefined) waiting.get(n)?.();
    },
  };
}

export interface DatagramFuzzOptions {
  name: string;
  rng: Rng;
  address: string;
  port: number;
  /** Sockets the fuzz datagrams come from (one picked per datagram). */
  sockets: readonly UdpSocket[];
  generate(rng: Rng, socket: UdpSocket): FuzzDatagram;
  prober: Prober;
  count: number;
  /** Datagrams between two probes. */
  batch: number;
  deadline: number;
  stopped: () => boolean;
}

export interface DatagramFuzzResult {
  name: string;
  sent: number;
  kinds: Record<string, number>;
  probesAnswered: number;
  probesTimedOut: number;
  /** The last datagrams sent, newest last (for a crash report). */
  recent: string[];
}

export async function runDatagramFuzz(options: DatagramFuzzOptions): Promise<DatagramFuzzResult> {
  const { rng } = options;
  const result: DatagramFuzzResult = { name: options.name, sent: 0, kinds: {}, probesAnswered: 0, probesTimedOut: 0, recent: [] };
  while (result.sent < options.count && Date.now() < options.deadline && !options.stopped()) {
    for (let i = 0; i < options.batch && result.sent < options.count; i++) {
      const socket = rng.pick(options.sockets);
      const datagram = options.generate(rng, socket);
      socket.send(datagram.bytes, options.port, options.address);
      result.sent++;
      const family = datagram.kind.split(':')[0]!.replace(/-\d+$/, '');
      const kind = datagram.kind.startsWith('peer:type-') ? 'peer:type-any' : family === datagram.kind ? family : datagram.kind;
      result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
      result.recent.push(`${datagram.kind}: ${hexPreview(datagram.bytes, 64)}`);
      if (result.recent.length > 8) result.recent.shift();
    }
    if (await options.prober.probe()) result.probesAnswered++;
    else result.probesTimedOut++;
  }
  return result;
}
