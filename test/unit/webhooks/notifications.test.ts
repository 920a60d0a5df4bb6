// Session changes to webhook notifications and their payloads, pure: the model's own changes
// (create, admit, drop, expire, kick, set properties, remove) in, golden JSON out, in all three formats.
import { describe, expect, it } from 'vitest';
import { drop, expire } from '../../../src/session/expiry.js';
import { kick } from '../../../src/session/kick.js';
import { admit, appKeyOf, create, remove, setProperties, type Change, type NewMember, type Session, type SessionSettings } from '../../../src/session/model.js';
import { validateWebhooksConfig } from '../../../src/webhooks/config.js';
import { notificationsOf, type Notification } from '../../../src/webhooks/notifications.js';
import { renderNative, renderPhoton, urlOf, type NumberedNotification } from '../../../src/webhooks/render.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const settings: SessionSettings = {
  maxPlayers: 4,
  open: true,
  visible: true,
  properties: { map: 'dust', hidden: 1 },
  lobbyKeys: ['map'],
  playerTtlMs: 5_000,
  emptySessionTtlMs: 0,
};
const who = (name: string, mode: 'server' | 'client' = 'client'): NewMember => ({
  mode,
  peerId: `p_${name}`,
  rejoinToken: 't',
  pairSecret: new Uint8Array(32),
  userId: `u_${name}`,
  nickname: name,
  authCookie: JSON.stringify({ tier: 'gold' }),
});
const flags = { propertiesForward: 'flagged' as const };

/** A session with a server (alice) and two clients (bob, carol), and the notifications of each step. */
function game(): { session: Session; notes: Notification[] } {
  const made = create('s1', appKeyOf('game', '1.4'), 'lobby-1', settings, who('alice', 'server'), 0);
  if (!made.ok) throw new Error(made.message);
  let session = made.change.next!;
  const notes = notificationsOf(undefined, made.change, flags);
  for (const name of ['bob', 'carol']) {
    const joined = admit(session, who(name), 1);
    if (!joined.ok) throw new Error(joined.message);
    notes.push(...notificationsOf(session, joined.change, flags));
    session = joined.change.next!;
  }
  return { session, notes };
}
const step = (session: Session, change: Change<unknown>) => ({ notes: notificationsOf(session, change, flags), next: change.next! });
const numbered = (note: Notification, seq: number): NumberedNotification => ({ ...note, id: `evt_${seq}`, seq, time: Date.UTC(2026, 10, 22, 10, 0, 0, 123) });
const context = { region: 'eu', node: 'node-a' };

describe('notificationsOf', () => {
  it('create and joins: session.created, then peer.joined for each client but not the creator', () => {
    const { notes } = game();
    expect(notes.map((n) => [n.type, n.member?.actor])).toEqual([
      ['session.created', 1],
      ['peer.joined', 2],
      ['peer.joined', 3],
    ]);
  });

  it('leave reasons: leave 101, drop with TTL inactive 0, TTL expiry 102, kick 104, drop without TTL 0 not inactive', () => {
    const { session } = game();
    const left = step(session, remove(session, 2, 'left', 2));
    expect(left.notes.map((n) => n.data)).toEqual([{ kind: 'left', reason: 'left', isInactive: false }]);
    const dropped = step(left.next, drop(left.next, 3, 3));
    expect(dropped.notes.map((n) => n.data)).toEqual([{ kind: 'left', reason: 'clientDisconnect', isInactive: true }]);
    const expired = step(dropped.next, expire(dropped.next, 3 + 5_000));
    expect(expired.notes.map((n) => n.data)).toEqual([{ kind: 'left', reason: 'playerTtlTimedOut', isInactive: false }]);
    const noTtl = { ...session, playerTtlMs: 0 };
    expect(step(noTtl, drop(noTtl, 2, 2)).notes.map((n) => n.data)).toEqual([{ kind: 'left', reason: 'clientDisconnect', isInactive: false }]);
    const kicked = kick(session, 1, { actor: 2 }, 2);
    if (!kicked.ok) throw new Error(kicked.message);
    expect(step(session, kicked.change).notes.map((n) => [n.type, n.data])).toEqual([['peer.left', { kind: 'left', reason: 'kicked', isInactive: false }]]);
  });

  it("the server's leave: its peer.left, then session.closed counting the inactive actors", () => {
    const { session } = game();
    const dropped = step(session, drop(session, 3, 2));
    const closed = step(dropped.next, remove(dropped.next, 1, 'left', 3));
    expect(closed.notes.map((n) => [n.type, n.data])).toEqual([
      ['peer.left', { kind: 'left', reason: 'left', isInactive: false }],
      ['session.closed', { kind: 'closed', reason: 'serverLeft', actorCount: 1 }],
    ]);
  });

  it('property changes: only forwarded ones, unless propertiesForward is always', () => {
    const { session } = game();
    const quiet = setProperties(session, 1, { properties: { round: 1 } });
    const loud = setProperties(session, 1, { properties: { round: 2 }, forward: true });
    if (!quiet.ok || !loud.ok) throw new Error('refused');
    expect(notificationsOf(session, quiet.change, flags)).toEqual([]);
    expect(notificationsOf(session, quiet.change, { propertiesForward: 'always' })).toHaveLength(1);
    expect(notificationsOf(session, loud.change, flags).map((n) => n.data)).toEqual([{ kind: 'properties', properties: { round: 2 }, open: true, visible: true }]);
  });
});

describe('payloads (golden)', () => {
  it('native envelope of a peer.left, with the auth cookie only when asked', () => {
    const { session } = game();
    const [note] = step(session, drop(session, 3, 2)).notes;
    expect(renderNative(numbered(note!, 4), context, { sendAuthCookie: true })).toEqual({
      type: 'peer.left',
      id: 'evt_4',
      time: '2026-11-22T10:00:00.123Z',
      appId: 'game',
      appVersion: '1.4',
      region: 'eu',
      node: 'node-a',
      session: { id: 's1', name: 'lobby-1', seq: 4, players: 3, maxPlayers: 4, properties: { map: 'dust' } },
      peer: { actor: 3, peerId: 'p_carol', mode: 'client', userId: 'u_carol', nickname: 'carol' },
      data: { reason: 'clientDisconnect', isInactive: true, photon: { type: 'ClientDisconnect', reason: 0 } },
      authCookie: { tier: 'gold' },
    });
    expect(renderNative(numbered(note!, 4), context, {}).authCookie).toBeUndefined();
  });

  it("photon-v1.2: Create with CreateOptions, Join, Leave with Reason as a string, Game, Close without ActorNr", () => {
    const { session, notes } = game();
    const head = { AppVersion: '1.4', AppId: 'game' };
    expect(JSON.stringify(renderPhoton(numbered(notes[0]!, 1), context))).toBe(
      JSON.stringify({
        ActorNr: 1,
        ...head,
        CreateOptions: {
          MaxPlayers: 4,
          LobbyId: null,
          LobbyType: 0,
          CustomProperties: { map: 'dust', hidden: 1 },
          EmptyRoomTTL: 0,
          PlayerTTL: 5_000,
          CheckUserOnJoin: false,
          DeleteCacheOnLeave: true,
          SuppressRoomEvents: false,
          PublishUserId: false,
          ExpectedUsers: null,
        },
        GameId: 'lobby-1',
        Region: 'eu',
        Type: 'Create',
        UserId: 'u_alice',
        NickName: 'alice',
      }),
    );
    expect(JSON.stringify(renderPhoton(numbered(notes[1]!, 2), context))).toBe(
      JSON.stringify({ ActorNr: 2, ...head, GameId: 'lobby-1', Region: 'eu', Type: 'Join', UserId: 'u_bob', NickName: 'bob' }),
    );
    const expired = step(session, remove(session, 2, 'left', 2)).notes[0]!;
    expect(JSON.stringify(renderPhoton(numbered(expired, 4), context))).toBe(
      JSON.stringify({ ActorNr: 2, ...head, GameId: 'lobby-1', IsInactive: false, Reason: '101', Region: 'eu', Type: 'LeaveRequest', UserId: 'u_bob', NickName: 'bob' }),
    );
    const props = setProperties(session, 1, { properties: { round: 2 }, forward: true });
    if (!props.ok) throw new Error('refused');
    expect(JSON.stringify(renderPhoton(numbered(notificationsOf(session, props.change, flags)[0]!, 5), context))).toBe(
      JSON.stringify({ ActorNr: 1, ...head, Properties: { round: 2 }, GameId: 'lobby-1', Region: 'eu', Type: 'Game', UserId: 'u_alice', NickName: 'alice' }),
    );
    const closed = step(session, remove(session, 1, 'left', 3)).notes[1]!;
    expect(JSON.stringify(renderPhoton(numbered(closed, 6), context))).toBe(JSON.stringify({ ActorCount: 0, ...head, GameId: 'lobby-1', Region: 'eu', Type: 'Close' }));
  });

  it('URLs: tags URL-encoded, the base query kept, playfab paths with _, a false path not sent', () => {
    const tags = { AppId: 'my game', AppVersion: '1.4', Region: 'eu' };
    expect(urlOf('peer.left', { baseUrl: 'https://h.example/{AppId}/hooks?key=k' }, tags)).toBe('https://h.example/my%20game/hooks/peer/left?key=k');
    expect(urlOf('peer.left', { baseUrl: 'https://h.example/', format: 'playfab' }, tags)).toBe('https://h.example/peer_left');
    expect(urlOf('peer.left', { baseUrl: 'https://h.example', paths: { 'peer.left': 'Leave' } }, tags)).toBe('https://h.example/Leave');
    expect(urlOf('peer.left', { baseUrl: 'https://h.example', paths: { 'peer.left': false } }, tags)).toBeUndefined();
  });
});

describe('validateWebhooksConfig', () => {
  const valid = { baseUrl: 'https://h.example/{AppId}', secrets: [SECRET] };
  it('accepts a full configuration', () => {
    const full = {
      ...valid,
      paths: { 'peer.left': 'Leave', 'peer.connected': false },
      events: ['peer.left'],
      gates: { beforeJoin: true },
      onGateError: 'allow',
      format: 'photon-v1.2',
      legacySecretHeader: true,
      customHeaders: { 'X-Game': 'dust' },
      sendAuthCookie: true,
      propertiesForward: 'always',
      errorInfo: true,
      ordering: 'none',
      timeouts: { gateMs: 2_000, notificationMs: 5_000 },
      retry: { scheduleMs: [1_000, 5_000], maxAgeMs: 3_600_000 },
      maxInFlight: 8,
      outboxCapacity: 1_000,
    };
    expect(validateWebhooksConfig(full, 'apps.g.webhooks')).toBe(full);
  });
  it.each([
    [{ ...valid, baseUrl: 'ftp://h.example' }, 'apps.g.webhooks.baseUrl'],
    [{ ...valid, baseUrl: 'https://u:p@h.example' }, 'apps.g.webhooks.baseUrl'],
    [{ ...valid, secrets: ['plain'] }, 'apps.g.webhooks.secrets[0]'],
    [{ ...valid, secrets: [] }, 'apps.g.webhooks.secrets'],
    [{ ...valid, paths: { 'peer.left': '../admin' } }, 'apps.g.webhooks.paths.peer.left'],
    [{ ...valid, paths: { 'peer.left': 'https://evil.example/x' } }, 'apps.g.webhooks.paths.peer.left'],
    [{ ...valid, paths: { nope: 'x' } }, 'apps.g.webhooks.paths.nope'],
    [{ ...valid, events: ['peer.gone'] }, 'apps.g.webhooks.events'],
    [{ ...valid, customHeaders: { Host: 'evil' } }, 'apps.g.webhooks.customHeaders'],
    [{ ...valid, customHeaders: { 'X-Punchthrough-Event': 'x' } }, 'apps.g.webhooks.customHeaders'],
    [{ ...valid, format: 'photon' }, 'apps.g.webhooks.format'],
    [{ ...valid, retry: { scheduleMs: [-1] } }, 'apps.g.webhooks.retry.scheduleMs'],
    [{ ...valid, maxInFlight: 0 }, 'apps.g.webhooks.maxInFlight'],
    [{ ...valid, timeouts: { notificationMs: 1e9 } }, 'apps.g.webhooks.timeouts.notificationMs'],
    [{ ...valid, surprise: 1 }, 'apps.g.webhooks.surprise'],
  ])('refuses %j naming %s', (config, key) => {
    expect(() => validateWebhooksConfig(config, 'apps.g.webhooks')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(`${key}:`) }));
  });
  it('never echoes a secret', () => {
    expect(() => validateWebhooksConfig({ ...valid, secrets: ['whsec_short'] }, 'w')).toThrow(expect.not.objectContaining({ message: expect.stringContaining('whsec_short') }));
  });
});
