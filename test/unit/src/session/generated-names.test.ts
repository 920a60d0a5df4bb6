// Generated session names (a session created without one is named by its id) never start with
// '-', so `punchthrough client --session NAME` never reads one as a flag.
import { describe, expect, it } from 'vitest';
import { RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import { sessionsRig } from '../../../support/session-parts.js';

describe('generated session names', () => {
  it("never start with '-', even from random bytes whose base64url starts with one", async () => {
    // 0xf8 = 0b111110_00: the first base64url digit is 62, '-'.
    const { sessions, peer, enter } = sessionsRig({ randomBytes: (length) => new Uint8Array(length).fill(0xf8) });
    const host = await peer();
    const created = (await enter((reply) => sessions.create(host, { type: RequestType.CREATE, id: 2 }, reply))) as JoinResult;
    expect(Buffer.from([0xf8]).toString('base64url')).toMatch(/^-/);
    expect(created.session.name).toMatch(/^[^-]/);
    expect(created.session.name).toBe(created.session.sessionId);
    expect(created.session.name).toHaveLength(16);
  });
});
