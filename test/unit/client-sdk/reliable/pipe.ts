/**
 * Two reliable channels joined by a scripted network on a manual clock: per-packet loss,
 * duplication, delay and reordering decided by the test, and an event loop that jumps from one
 * arrival or deadline to the next (no sleeping).
 */
import { ReliableChannel, type ChannelLimits, type ReliableWire } from '../../../../client-sdk/peer/reliable/channel.js';
import { reliableCounters, type ReliableCounters } from '../../../../client-sdk/peer/reliable/counters.js';

export type Side = 'a' | 'b';

/** What the network does with one packet: deliver after these delays (empty: lost; two: duplicated). */
export type Fate = (packet: ReliableWire, from: Side, index: number) => number[];

interface InFlight {
  at: number;
  order: number;
  to: Side;
  packet: ReliableWire;
}

export class Pipe {
  now = 0;
  readonly counters: Record<Side, ReliableCounters> = { a: reliableCounters(), b: reliableCounters() };
  readonly channels: Record<Side, ReliableChannel>;
  readonly delivered: Record<Side, Uint8Array[]> = { a: [], b: [] };
  /** Every packet each side put on the wire. */
  readonly sent: Record<Side, ReliableWire[]> = { a: [], b: [] };
  #inFlight: InFlight[] = [];
  #order = 0;
  #index = 0;

  constructor(
    public fate: Fate = () => [10],
    rttMs = 20,
    limits: ChannelLimits = {},
  ) {
    this.channels = { a: new ReliableChannel(this.counters.a, rttMs, limits), b: new ReliableChannel(this.counters.b, rttMs, limits) };
  }

  /** Sends, running the network while the send buffer is full (the game's back-pressure loop). */
  sendWaiting(from: Side, data: Uint8Array): void {
    for (let tries = 0; !this.send(from, data); tries++) {
      if (tries > 10_000) throw new Error('the send buffer never drained');
      this.run(10);
    }
  }

  send(from: Side, data: Uint8Array): boolean {
    const { accepted, out } = this.channels[from].send(data, this.now);
    this.#put(from, out);
    return accepted;
  }

  /** Hands `packet` to `to` as if it arrived now. */
  inject(to: Side, packet: ReliableWire): void {
    this.#arrive(to, packet);
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Runs the network until nothing is in flight or due, or `ms` of clock time pass. */
  run(ms = 60_000): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.#nextEvent();
      if (next === undefined || next > end) break;
      this.now = Math.max(this.now, next);
      const arriving = this.#inFlight.filter((p) => p.at <= this.now).sort((x, y) => x.at - y.at || x.order - y.order);
      this.#inFlight = this.#inFlight.filter((p) => p.at > this.now);
      for (const p of arriving) this.#arrive(p.to, p.packet);
      for (const side of ['a', 'b'] as const) this.#put(side, this.channels[side].poll(this.now));
    }
    if (this.#nextEvent() !== undefined) this.now = end;
  }

  #nextEvent(): number | undefined {
    const times = this.#inFlight.map((p) => p.at);
    for (const side of ['a', 'b'] as const) {
      const d = this.channels[side].nextDeadline();
      if (d !== undefined) times.push(Math.max(d, this.now));
    }
    return times.length === 0 ? undefined : Math.min(...times);
  }

  #arrive(to: Side, packet: ReliableWire): void {
    const channel = this.channels[to];
    if (packet.kind === 'segment') {
      const { messages, out } = channel.receiveSegment(packet.fields, this.now);
      this.delivered[to].push(...messages);
      this.#put(to, out);
    } else {
      this.#put(to, channel.receiveAck(packet.fields, this.now));
    }
  }

  #put(from: Side, packets: ReliableWire[]): void {
    const to: Side = from === 'a' ? 'b' : 'a';
    for (const packet of packets) {
      // The wire carries a copy: the sender keeps its own bytes for retransmission.
      const copy: ReliableWire = packet.kind === 'segment' ? { kind: 'segment', fields: { ...packet.fields, payload: new Uint8Array(packet.fields.payload) } } : { kind: 'ack', fields: { ...packet.fields } };
      this.sent[from].push(copy);
      for (const delay of this.fate(copy, from, this.#index++)) this.#inFlight.push({ at: this.now + delay, order: this.#order++, to, packet: copy });
    }
  }
}

/** Message `n` of a test stream: its number and a body of `size` bytes derived from it. */
export function message(n: number, size = 8): Uint8Array {
  const bytes = new Uint8Array(Math.max(4, size));
  new DataView(bytes.buffer).setUint32(0, n);
  for (let i = 4; i < bytes.length; i++) bytes[i] = (n * 31 + i) & 0xff;
  return bytes;
}

export function numbers(messages: Uint8Array[]): number[] {
  return messages.map((m) => new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(0));
}

/** A seeded generator (mulberry32) so a lossy run is the same every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
