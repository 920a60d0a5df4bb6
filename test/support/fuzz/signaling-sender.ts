// Signaling fuzz driver: scripts of fuzz frames over several WebSocket connections to the
// cloud's /v1/signaling, reconnecting whenever the cloud closes one (its answer to garbage).
import { Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { CloseCode, RequestType } from '../../../src/protocol/index.js';
import type { PairPool, TicketPool } from './datagrams.js';
import { mp } from './msgpack.js';
import { hexPreview, type Rng } from './random.js';
import { hostileFrame, refusedFrame, structuredFrame, validRequest, type FuzzFrame, type SignalingContext } from './signaling-frames.js';

/** Close codes that answer a refused frame: malformed (the scan, a text frame), too large, or a violation close that came first. */
const REFUSAL_CLOSES: ReadonlySet<number> = new Set([CloseCode.MALFORMED_FRAME, CloseCode.FRAME_TOO_LARGE, CloseCode.PROTOCOL_VIOLATION]);

export interface SignalingFuzzOptions {
  /** ws://host:port/v1/signaling */
  url: string;
  rng: Rng;
  ctx: SignalingContext;
  /** Frames to send in all. */
  frames: number;
  /** Connections open at once. */
  workers: number;
  /** Stop at this `Date.now()` even if `frames` were not sent. */
  deadline: number;
  /** True once the run must stop early (a process died). */
  stopped: () => boolean;
  /** Relay tickets from the fuzzer's own sessions' start events land here. */
  tickets: TicketPool;
  /**
   * One more worker that joins the healthy session itself (its app and name) and fuzzes from
   * inside: property changes, address reports (of `endpoints` only), leaves and rejoins, so
   * the game host's signaling client sees every event the cloud lets through.
   */
  insider?: { ctx: SignalingContext; session: string };
  /** The insider's pair secrets with the game host (from its peer-addresses events) land here. */
  pairs?: PairPool;
}

/** One connection's script as sent, kept for crash reports. */
export interface ConnectionRecord {
  worker: number;
  connection: number;
  frames: FuzzFrame[];
  closeCode?: number;
  closedAt?: number;
  lastSentAt?: number;
  /** The cloud answered RATE_LIMITED on this connection (a later frame may not have been read). */
  rateLimited?: boolean;
  /** This connection's actor in its session (from its start event). */
  actor?: number;
}

export interface SignalingFuzzResult {
  framesSent: number;
  /** Of those, frames the insider sent from inside the healthy session. */
  insiderFrames: number;
  connections: number;
  connectFailures: number;
  replies: number;
  closeCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  /** Connections the cloud dropped without a close frame (1006) before we gave up on them: a crash leaves these. */
  abnormal: ConnectionRecord[];
  /**
   * Connections whose last frame was built to be refused (FuzzFrame.refused): `closed` counts
   * them by the close code they got; `notRefused` keeps those the cloud did not close with a
   * refusal code although it read the frame (no RATE_LIMITED before it).
   */
  refusals: { sent: number; closed: Record<string, number>; notRefused: ConnectionRecord[] };
}

const decoder = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The insider's script: join the healthy session, then mutated in-session requests. */
function insiderScript(rng: Rng, ctx: SignalingContext, session: string): FuzzFrame[] {
  let id = 1;
  const frames: FuzzFrame[] = [{ kind: 'valid:1', bytes: mp.obj(validRequest(rng, RequestType.HELLO, id++, ctx)) }];
  // Now and then the insider's connection ends on a refused frame: the cloud closes it and the
  // host sees its client drop (and come back on the next connection).
  const join = (): FuzzFrame => ({
    kind: 'valid:3',
    bytes: mp.obj([['type', mp.int(RequestType.JOIN)], ['id', mp.int(id++)], ['name', mp.str(session)], ['createIfNotExists', mp.bool(false)]]),
  });
  frames.push(join());
  const types = [RequestType.SET_PROPERTIES, RequestType.SET_PROPERTIES, RequestType.REPORT_ADDRESSES, RequestType.REPORT_ADDRESSES, RequestType.CONNECTED, RequestType.LIST, RequestType.LEAVE, RequestType.JOIN_RANDOM, RequestType.REJOIN];
  for (let n = rng.range(1, 30); n > 0; n--) {
    const frame = structuredFrame(rng, id++, ctx, types);
    frames.push(frame);
    if (frame.kind === `valid:${RequestType.LEAVE}`) frames.push(join());
  }
  if (rng.chance(0.1)) frames.push(refusedFrame(rng, id++, ctx, types));
  return frames;
}

/** A connection's script: before or after hello, structure-aware frames, maybe a hostile end. */
function script(rng: Rng, ctx: SignalingContext): FuzzFrame[] {
  const frames: FuzzFrame[] = [];
  let id = 1;
  const nonHello = [2, 3, 4, 5, 6, 7, 8, 9, 10];
  if (rng.chance(0.2)) {
    // Before hello: requests that need hello, mutated hellos, and garbage.
    for (let n = rng.range(1, 8); n > 0; n--) {
      const r = rng.next();
      const frame = r < 0.55 ? structuredFrame(rng, id++, ctx, nonHello) : r < 0.8 ? structuredFrame(rng, id++, ctx, [RequestType.HELLO]) : r < 0.9 ? refusedFrame(rng, id++, ctx) : hostileFrame(rng, ctx);
      frames.push(frame);
      if (frame.refused) break; // the cloud closes here: nothing after it is read
    }
    return frames;
  }
  frames.push({ kind: 'valid:1', bytes: mp.obj(validRequest(rng, RequestType.HELLO, id++, ctx)) });
  if (rng.chance(0.5)) {
    const enter = rng.pick([RequestType.CREATE, RequestType.JOIN, RequestType.JOIN_RANDOM]);
    frames.push({ kind: `valid:${enter}`, bytes: mp.obj(validRequest(rng, enter, id++, ctx)) });
  }
  // Within the request burst (40) most of the time, so the handlers see the frames; now and
  // then far beyond it, so rate limiting and the violation close (4001) run too.
  const count = rng.chance(0.05) ? rng.range(60, 120) : rng.range(1, 36);
  for (let n = 0; n < count; n++) {
    const frame = rng.chance(0.03) ? hostileFrame(rng, ctx) : structuredFrame(rng, id++, ctx);
    frames.push(frame);
    if (frame.refused) return frames; // the cloud closes here: nothing after it is read
  }
  if (rng.chance(0.35)) frames.push(rng.chance(0.4) ? refusedFrame(rng, id++, ctx) : hostileFrame(rng, ctx));
  return frames;
}

function opened(ws: WebSocket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      ws.off('open', onOpen);
      ws.off('error', onError);
      resolve(ok);
    };
    const onOpen = (): void => done(true);
    const onError = (): void => done(false);
    ws.on('open', onOpen);
    ws.on('error', onError);
  });
}

function sendFrame(ws: WebSocket, frame: FuzzFrame): Promise<boolean> {
  return new Promise((resolve) => {
    const data = frame.text ? Buffer.from(frame.bytes).toString('latin1') : frame.bytes;
    ws.send(data, { binary: !frame.text }, (error) => resolve(!error));
  });
}

export async function runSignalingFuzz(options: SignalingFuzzOptions): Promise<SignalingFuzzResult> {
  const result: SignalingFuzzResult = {
    framesSent: 0,
    insiderFrames: 0,
    connections: 0,
    connectFailures: 0,
    replies: 0,
    closeCodes: {},
    errorCodes: {},
    abnormal: [],
    refusals: { sent: 0, closed: {}, notRefused: [] },
  };
  const active = (): boolean => result.framesSent < options.frames && Date.now() < options.deadline && !options.stopped();

  let ticketsSeen = 0;
  let pairsSeen = 0;
  const onReply = (data: WebSocket.RawData, record: ConnectionRecord, insider: boolean): void => {
    result.replies++;
    try {
      const message = decoder.unpack(data as Buffer) as { type?: number; code?: string; actor?: unknown; mode?: unknown; pairSecret?: unknown; relay?: { ticket?: Uint8Array } };
      if (message.type === 30 && typeof message.actor === 'number') record.actor = message.actor;
      // The insider is a client of the game host: the host's addresses come with their pair secret.
      if (insider && options.pairs && message.type === 32 && message.mode === 'server' && typeof message.actor === 'number' && record.actor !== undefined && message.pairSecret instanceof Uint8Array) {
        options.pairs.pairs[pairsSeen++ % 8] = { secret: new Uint8Array(message.pairSecret), client: record.actor, server: message.actor };
      }
      if (message.type === 21 && typeof message.code === 'string') result.errorCodes[message.code] = (result.errorCodes[message.code] ?? 0) + 1;
      if (message.type === 21 && message.code === 'RATE_LIMITED') record.rateLimited = true;
      const ticket = message.type === 30 ? message.relay?.ticket : undefined;
      // A rolling pool of the latest 32: tickets of sessions that closed are revoked at the relay.
      if (ticket instanceof Uint8Array) options.tickets.tickets[ticketsSeen++ % 32] = new Uint8Array(ticket);
    } catch {
      result.errorCodes['<undecodable reply>'] = (result.errorCodes['<undecodable reply>'] ?? 0) + 1;
    }
  };

  const worker = async (index: number, rng: Rng, insider?: { ctx: SignalingContext; session: string }): Promise<void> => {
    let failuresInRow = 0;
    for (let connection = 0; active(); connection++) {
      const ws = new WebSocket(options.url, { perMessageDeflate: false, maxPayload: 1 << 20 });
      const record: ConnectionRecord = { worker: index, connection, frames: [] };
      let closed = false;
      const closedPromise = new Promise<void>((resolve) => {
        ws.on('close', (code) => {
          closed = true;
          record.closeCode = code;
          record.closedAt = Date.now();
          result.closeCodes[code] = (result.closeCodes[code] ?? 0) + 1;
          resolve();
        });
      });
      ws.on('error', () => undefined);
      let replied: () => void = () => undefined;
      const firstReply = new Promise<void>((resolve) => (replied = resolve));
      ws.on('message', (data) => {
        replied();
        onReply(data, record, insider !== undefined);
      });
      void closedPromise.then(() => replied());
      if (!(await opened(ws, 3_000))) {
        result.connectFailures++;
        ws.terminate();
        if (++failuresInRow >= 20) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      failuresInRow = 0;
      result.connections++;
      for (const frame of insider ? insiderScript(rng, insider.ctx, insider.session) : script(rng, options.ctx)) {
        if (closed || ws.readyState !== WebSocket.OPEN || !active()) break;
        if (!(await sendFrame(ws, frame))) break;
        result.framesSent++;
        if (insider) result.insiderFrames++;
        record.frames.push(frame);
        record.lastSentAt = Date.now();
        // Like a real client, wait for hello's answer: until the cloud has handled hello, it
        // takes any frame over maxHelloFrameBytes (12 KiB) for a pre-hello one and closes (1009).
        if (frame.kind === `valid:${RequestType.HELLO}`) await Promise.race([firstReply, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      }
      // A refused last frame: the cloud must close the connection itself. Otherwise let the
      // replies to the last frames arrive, then say goodbye (or see the cloud's close).
      const refused = record.frames.at(-1)?.refused === true;
      if (!refused) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (!closed) ws.close(1000);
      }
      let terminated = false;
      const timer = setTimeout(() => {
        terminated = true;
        ws.terminate();
      }, refused ? 3_000 : 2_000);
      await closedPromise;
      clearTimeout(timer);
      if (record.closeCode === 1006 && !terminated) result.abnormal.push(record);
      if (refused) {
        const code = terminated ? 'still open' : String(record.closeCode);
        result.refusals.sent++;
        result.refusals.closed[code] = (result.refusals.closed[code] ?? 0) + 1;
        if ((terminated || !REFUSAL_CLOSES.has(record.closeCode!)) && !record.rateLimited && record.closeCode !== 1006) result.refusals.notRefused.push(record);
      }
    }
  };

  const workers = Array.from({ length: options.workers }, (_, i) => worker(i, options.rng.fork()));
  if (options.insider) workers.push(worker(options.workers, options.rng.fork(), options.insider));
  await Promise.all(workers);
  return result;
}

/** A readable account of a connection's last frames, for a crash report. */
export function describeConnection(record: ConnectionRecord, last = 3): string {
  const frames = record.frames.slice(-last).map((frame, i, all) => `    #${record.frames.length - all.length + i + 1} ${frame.kind}${frame.text ? ' (text frame)' : ''}: ${hexPreview(frame.bytes)}`);
  return `  worker ${record.worker} connection ${record.connection}: ${record.frames.length} frames sent, closed ${record.closeCode ?? 'never'}\n${frames.join('\n')}`;
}

