// The signaling write batch: its frames are byte for byte what ws would send, and a connection's frames of one turn leave in one write.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createWriteBatch, framed, type FrameSink } from '../../../../src/session/write-batch.js';

// ws's sender (not in its type definitions): the oracle for the framing.
const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

/** What ws's own sender frames for a server's binary message (unmasked, final, uncompressed). */
function wsFrame(payload: Uint8Array): Buffer {
  const parts = Sender.frame(Buffer.from(payload), {
    fin: true,
    mask: false,
    opcode: 2,
    readOnly: false,
    rsv1: false,
  });
  return Buffer.concat(parts);
}

function sink(): FrameSink & { writes: Uint8Array[]; open: boolean } {
  const writes: Uint8Array[] = [];
  return { writes, open: true, write: (bytes) => void writes.push(bytes) };
}

const payload = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

describe('write batch', () => {
  it('frames payloads of every header size exactly as ws does, in order, in one buffer', () => {
    const payloads = [0, 1, 125, 126, 300, 65_535, 65_536, 70_000].map((length, i) => payload(length, i));
    const total = payloads.reduce((sum, p) => sum + p.length, 0);
    expect(Buffer.from(framed(payloads, total))).toEqual(Buffer.concat(payloads.map(wsFrame)));
  });

  it("writes a connection's frames of one turn once, after the turn; each connection its own", async () => {
    const batch = createWriteBatch();
    const [a, b] = [sink(), sink()];
    const [outA, outB] = [batch.outbox(a), batch.outbox(b)];
    outA.send(payload(3, 1));
    outB.send(payload(4, 2));
    outA.send(payload(5, 3));
    expect(outA.pending).toBe(8);
    expect(a.writes).toHaveLength(0);
    await nextTurn();
    expect(Buffer.from(a.writes[0]!)).toEqual(Buffer.concat([wsFrame(payload(3, 1)), wsFrame(payload(5, 3))]));
    expect(a.writes).toHaveLength(1);
    expect(b.writes).toHaveLength(1);
    expect(outA.pending).toBe(0);
    outA.send(payload(2, 4));
    await nextTurn();
    expect(a.writes).toHaveLength(2);
  });

  it('flushes at once before a close, drops what is queued on a discard or once the socket is closed', async () => {
    const batch = createWriteBatch();
    const s = sink();
    const out = batch.outbox(s);
    out.send(payload(3, 1));
    out.flush();
    expect(s.writes).toHaveLength(1);
    out.send(payload(3, 2));
    out.discard();
    await nextTurn();
    expect(s.writes).toHaveLength(1);
    out.send(payload(3, 3));
    s.open = false;
    await nextTurn();
    expect(s.writes).toHaveLength(1);
  });

  it('a hold keeps frames over later turns, in order, until its last release; a flush still writes', async () => {
    const batch = createWriteBatch();
    const s = sink();
    const out = batch.outbox(s);
    const release = out.hold();
    const second = out.hold();
    out.send(payload(3, 1));
    await nextTurn();
    expect(s.writes).toHaveLength(0);
    out.send(payload(4, 2));
    release();
    release(); // a second call of the same release changes nothing
    await nextTurn();
    expect(s.writes).toHaveLength(0);
    expect(out.pending).toBe(7);
    second();
    await nextTurn();
    expect(s.writes).toHaveLength(1);
    expect(Buffer.from(s.writes[0]!)).toEqual(Buffer.concat([wsFrame(payload(3, 1)), wsFrame(payload(4, 2))]));
    const third = out.hold();
    out.send(payload(2, 3));
    out.flush();
    expect(s.writes).toHaveLength(2);
    third();
    await nextTurn();
    expect(s.writes).toHaveLength(2);
  });

  it('a hold released with withdrawFirst drops the first frame sent under it, unless it already left', async () => {
    const batch = createWriteBatch();
    const s = sink();
    const out = batch.outbox(s);
    out.send(payload(1, 1));
    const release = out.hold();
    out.send(payload(2, 2)); // the reply
    out.send(payload(3, 3)); // an event
    release(true);
    expect(out.pending).toBe(4);
    await nextTurn();
    expect(Buffer.from(s.writes[0]!)).toEqual(Buffer.concat([wsFrame(payload(1, 1)), wsFrame(payload(3, 3))]));
    const late = out.hold();
    out.send(payload(4, 4));
    out.flush(); // a close: what was queued left
    out.send(payload(5, 5));
    late(true);
    await nextTurn();
    expect(s.writes.map((w) => w.length)).toEqual([2 + 1 + 2 + 3, 2 + 4, 2 + 5]);
  });
});
