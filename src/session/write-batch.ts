/**
 * Write batching for the signaling sockets: the binary frames a connection gets in one event-loop
 * turn (its reply, and the events other peers' requests read in the same turn caused) are framed
 * into one buffer and leave in one socket write, after the turn's I/O callbacks (one setImmediate
 * for every connection). Per frame that is a header and a copy, instead of a ws send (an options
 * object, a header buffer, two buffered stream writes) and a share of a vectored write.
 */

/** Where a connection's batched bytes go: its TCP socket, while the WebSocket is open for data. */
export interface FrameSink {
  /** False once a close was sent or received (RFC 6455 §5.5.1: no data frame after a close). */
  readonly open: boolean;
  write(bytes: Uint8Array): void;
}

/** One connection's frames of this turn. */
export interface Outbox {
  /** Queues a binary message; it leaves at the end of this turn. */
  send(frame: Uint8Array): void;
  /** Bytes queued and not yet handed to the socket (backpressure counts them). */
  readonly pending: number;
  /** Writes what is queued now (before a close frame, which must follow them), held or not. */
  flush(): void;
  /**
   * Keeps the queued frames, and those queued next, until the returned function is called (once
   * per hold): a reply sent before its request's remote commit then leaves in one write with the
   * events the commit brings back a round trip later, as one process writes them. Called with
   * `withdrawFirst`, it drops the first frame queued under the hold if it has not left yet (a
   * reply whose commit failed: the error reply goes instead).
   */
  hold(): (withdrawFirst?: boolean) => void;
  /** Drops what is queued (the socket is being destroyed). */
  discard(): void;
}

export interface WriteBatch {
  outbox(sink: FrameSink): Outbox;
}

const OPCODE_BINARY_FIN = 0x82;

/** Bytes of a server-to-client frame header (unmasked) for a payload of `length` bytes (RFC 6455 §5.2). */
export function headerBytes(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** Writes the header of an unmasked, final, binary frame of `length` payload bytes at `at`; returns where the payload goes. */
export function writeHeader(target: Uint8Array, at: number, length: number): number {
  target[at] = OPCODE_BINARY_FIN;
  if (length < 126) {
    target[at + 1] = length;
    return at + 2;
  }
  if (length < 65_536) {
    target[at + 1] = 126;
    target[at + 2] = length >>> 8;
    target[at + 3] = length & 0xff;
    return at + 4;
  }
  target[at + 1] = 127;
  // Frames are bounded far below 2^32 (the protocol's maximum): the high four bytes are zero.
  target.fill(0, at + 2, at + 6);
  new DataView(target.buffer, target.byteOffset).setUint32(at + 6, length);
  return at + 10;
}

/** The frames as one buffer of WebSocket frames, in order. */
export function framed(frames: readonly Uint8Array[], payloadBytes: number): Uint8Array {
  let size = payloadBytes;
  for (const frame of frames) size += headerBytes(frame.length);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const frame of frames) {
    at = writeHeader(out, at, frame.length);
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

export function createWriteBatch(): WriteBatch {
  const due: (() => void)[] = [];
  let armed = false;
  const release = (): void => {
    armed = false;
    for (let i = 0; i < due.length; i++) due[i]!();
    due.length = 0;
  };
  return {
    outbox(sink) {
      let frames: Uint8Array[] = [];
      let pending = 0;
      let queued = false;
      let holds = 0;
      // Counts the times `frames` was emptied (written or discarded): a hold's place in it is good only while it was not.
      let emptied = 0;
      const flush = (): void => {
        if (frames.length === 0) return;
        emptied += 1;
        const taken = frames;
        const bytes = pending;
        frames = [];
        pending = 0;
        if (sink.open) sink.write(framed(taken, bytes));
      };
      const atTurnEnd = (): void => {
        queued = false;
        if (holds === 0) flush();
      };
      const schedule = (): void => {
        if (queued) return;
        queued = true;
        due.push(atTurnEnd);
        if (!armed) {
          armed = true;
          setImmediate(release);
        }
      };
      return {
        send(frame) {
          frames.push(frame);
          pending += frame.length;
          schedule();
        },
        get pending() {
          return pending;
        },
        flush,
        hold() {
          holds += 1;
          let held = true;
          const at = frames.length;
          const since = emptied;
          return (withdrawFirst = false) => {
            if (!held) return;
            held = false;
            if (withdrawFirst && emptied === since && frames.length > at) pending -= frames.splice(at, 1)[0]!.length;
            holds -= 1;
            if (holds === 0 && frames.length > 0) schedule();
          };
        },
        discard() {
          emptied += 1;
          frames = [];
          pending = 0;
        },
      };
    },
  };
}
