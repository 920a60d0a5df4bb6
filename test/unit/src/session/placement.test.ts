// placeOn: the member that enters or rejoins is stamped with the node holding its socket.
import { describe, expect, it } from 'vitest';
import { admit, create, type NewMember, type SessionSettings } from '../../../../src/session/model.js';
import { placeOn } from '../../../../src/session/placement.js';

const settings: SessionSettings = { maxPlayers: 2, open: true, visible: true, properties: {}, lobbyKeys: [], playerTtlMs: 0, emptySessionTtlMs: 0 };
const who = (peerId: string, mode: 'server' | 'client' = 'client'): NewMember => ({ mode, peerId, rejoinToken: `r-${peerId}`, pairSecret: new Uint8Array(32) });

describe('placeOn', () => {
  it('stamps the entering member (result and stored member) with the node, and leaves the others', () => {
    const created = placeOn(create('s1', 'app\u00001', 'n', settings, who('host', 'server'), 0), 'node-a');
    if (!created.ok) throw new Error('create refused');
    expect(created.change.result.node).toBe('node-a');
    const joined = placeOn(admit(created.change.next!, who('c1'), 1), 'node-b');
    if (!joined.ok) throw new Error('admit refused');
    expect(joined.change.next!.members.map((m) => m.node)).toEqual(['node-a', 'node-b']);
    expect(joined.change.result.node).toBe('node-b');
    // A rejoin elsewhere moves it.
    const moved = placeOn({ ok: true, change: { ...joined.change, result: joined.change.next!.members[0]! } }, 'node-c');
    if (!moved.ok) throw new Error('refused');
    expect(moved.change.next!.members.map((m) => m.node)).toEqual(['node-c', 'node-b']);
  });

  it('changes nothing without a node (one process) or on a refusal', () => {
    const created = create('s1', 'app\u00001', 'n', settings, who('host', 'server'), 0);
    expect(placeOn(created, undefined)).toBe(created);
    if (!created.ok) throw new Error('create refused');
    const full = admit({ ...created.change.next!, maxPlayers: 1 }, who('c1'), 1);
    expect(full.ok).toBe(false);
    expect(placeOn(full, 'node-a')).toBe(full);
  });
});
