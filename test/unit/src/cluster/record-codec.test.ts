// Session records and deliveries survive the trip through tagged JSON; anything else read back is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NAT_AXES, REPORTED_NAT_TYPES } from '../../../../core/index.js';
import { decodeDeliveries, decodeSession, encodeDeliveries, encodeSession, fromJsonText, toJsonText } from '../../../../src/cluster/index.js';
import { EventType } from '../../../../src/protocol/index.js';
import type { Member, Session } from '../../../../src/session/model.js';

const bytes = fc.uint8Array({ maxLength: 40 });
const scalar = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)), fc.boolean(), fc.constant(null));
const endpoint = fc.record({ address: fc.ipV4(), port: fc.integer({ min: 1, max: 65_535 }) });
const member: fc.Arbitrary<Member> = fc.record(
  {
    actor: fc.integer({ min: 1, max: 10_000 }),
    peerId: fc.string(),
    mode: fc.constantFrom('server' as const, 'client' as const),
    active: fc.boolean(),
    rejoinToken: fc.string(),
    pairSecret: bytes,
    userId: fc.string(),
    nickname: fc.string(),
    authCookie: fc.string(),
    inactiveUntil: fc.nat(),
    addresses: fc.record(
      { local: fc.array(endpoint, { maxLength: 3 }), reflexive: endpoint, natType: fc.constantFrom(...REPORTED_NAT_TYPES), natMapping: fc.constantFrom(...NAT_AXES), natFiltering: fc.constantFrom(...NAT_AXES) },
      { requiredKeys: ['local'] },
    ),
    connectionToken: bytes,
    detachedUntil: fc.nat(),
    connection: fc.nat(),
    restoreProof: fc.string(),
    node: fc.string(),
  },
  { requiredKeys: ['actor', 'peerId', 'mode', 'active', 'rejoinToken', 'pairSecret'] },
);
// Keys that look like tags must round-trip too.
const key = fc.oneof(fc.string(), fc.constantFrom('$b', '$o', '$x', '__proto__', 'constructor'));
const session: fc.Arbitrary<Session> = fc.record(
  {
    sessionId: fc.string(),
    appKey: fc.string(),
    name: fc.string(),
    createdAt: fc.nat(),
    maxPlayers: fc.integer({ min: 1, max: 256 }),
    open: fc.boolean(),
    visible: fc.boolean(),
    properties: fc.dictionary(key, scalar, { maxKeys: 5 }),
    lobbyKeys: fc.array(fc.string(), { maxLength: 3 }),
    playerTtlMs: fc.nat(),
    emptySessionTtlMs: fc.nat(),
    members: fc.array(member, { maxLength: 6 }),
    nextActor: fc.integer({ min: 1, max: 10_000 }),
    emptySince: fc.nat(),
    publishUserId: fc.boolean(),
    checkUserOnJoin: fc.boolean(),
    plugin: fc.string(),
    pluginState: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as never),
    relay: fc.record({ id: fc.string({ minLength: 1, maxLength: 64 }), movedAt: fc.nat() }, { requiredKeys: ['id'] }),
  },
  { requiredKeys: ['sessionId', 'appKey', 'name', 'createdAt', 'maxPlayers', 'open', 'visible', 'properties', 'lobbyKeys', 'playerTtlMs', 'emptySessionTtlMs', 'members', 'nextActor'] },
);

describe('record codec', () => {
  it('round-trips every session (bytes, optional fields, keys that look like tags)', () => {
    fc.assert(
      fc.property(session, (s) => {
        const back = decodeSession(encodeSession(s), 1 << 20);
        expect(back).toEqual(s);
        for (const [i, m] of back.members.entries()) {
          expect(m.pairSecret).toBeInstanceOf(Uint8Array);
          expect(m.pairSecret).toEqual(s.members[i]!.pairSecret);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a record is the text of the generic writer, up to key order; what JSON cannot hold is refused, a string spelling null is kept', () => {
    fc.assert(
      fc.property(session, (s) => {
        expect(JSON.parse(encodeSession(s))).toEqual(JSON.parse(toJsonText(s)));
      }),
      { numRuns: 200 },
    );
    const member: Member = { actor: 1, peerId: 'p', mode: 'server', active: true, rejoinToken: 'r', pairSecret: new Uint8Array([1, 2]), nickname: 'x":null,"' };
    const base: Session = { sessionId: 's', appKey: 'a', name: 'null', createdAt: 1, maxPlayers: 2, open: true, visible: true, properties: { $b: null }, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0, members: [member], nextActor: 2 };
    expect(decodeSession(encodeSession(base), 10_000)).toEqual(base);
    expect(() => encodeSession({ ...base, members: [{ ...member, inactiveUntil: Number.NaN }] })).toThrow(/non-finite/);
    expect(() => encodeSession({ ...base, createdAt: Number.POSITIVE_INFINITY })).toThrow(/non-finite/);
    expect(() => encodeSession({ ...base, properties: { a: Number.NaN } })).toThrow(/non-finite/);
  });

  it('plugin state that spells a tag stays plain JSON', () => {
    const value = { $b: 'AAAA', nested: [{ $o: 1 }] };
    expect(fromJsonText(toJsonText(value), 1000)).toEqual(value);
    expect(fromJsonText(toJsonText(new Uint8Array([1, 2, 3])), 1000)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('writes the text JSON.stringify writes for plain JSON, drops undefined as it does, refuses what JSON cannot hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const plain = JSON.stringify(value);
        if (!plain.includes('"$')) expect(toJsonText(value)).toBe(plain);
        expect(fromJsonText(toJsonText(value), 1 << 20)).toEqual(JSON.parse(plain));
      }),
      { numRuns: 500 },
    );
    expect(toJsonText({ a: undefined, b: [undefined, 1], c: { $x: undefined } })).toBe('{"b":[null,1],"c":{}}');
    expect(() => toJsonText({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => toJsonText({ a: () => 1 })).toThrow(/a record holds a function/);
  });

  it('refuses oversize text, unknown tags, and anything not shaped like a session', () => {
    const good = encodeSession({ sessionId: 's', appKey: 'a', name: 'n', createdAt: 1, maxPlayers: 2, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0, members: [], nextActor: 1 });
    expect(() => decodeSession(good, 10)).toThrow(/over 10 bytes/);
    expect(() => decodeSession('{"$z":1}', 1000)).toThrow(/unknown tag/);
    expect(() => decodeSession('{"$b":"not base64!"}', 1000)).toThrow(/bad bytes tag/);
    expect(() => decodeSession('not json', 1000)).toThrow(/invalid session record/);
    const mutate = (patch: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(good), ...patch });
    for (const patch of [{ maxPlayers: 0 }, { open: 'yes' }, { properties: { a: [1] } }, { members: [{ actor: 1 }] }, { nextActor: 1.5 }, { pluginState: { a: { $b: 'AAAA' } } }, { createdAt: '1' }, { relay: 'r1' }, { relay: { id: 7 } }, { relay: { id: 'x'.repeat(65) } }, { relay: { id: 'r1', movedAt: 'now' } }]) {
      expect(() => decodeSession(mutate(patch), 10_000), JSON.stringify(patch)).toThrow(/invalid session record/);
    }
    expect(decodeSession(good, 10_000).name).toBe('n');
  });

  it('deliveries: [[actor, event], …] with bytes in events', () => {
    const deliveries = [{ actor: 2, event: { type: EventType.PEER_ADDRESSES, actor: 1, pairSecret: new Uint8Array([9, 9]) } as never }];
    expect(decodeDeliveries(encodeDeliveries(deliveries), 1000)).toEqual(deliveries);
    expect(() => decodeDeliveries('[[1]]', 1000)).toThrow(/pairs/);
    expect(() => decodeDeliveries('{}', 1000)).toThrow(/not a list/);
  });
});
