// SessionHooks through the whole hub on a manual clock: each hook is called with the right data
// at the right time, a refusal is the coded error on the wire, a failing lifecycle hook changes
// nothing for the peers.
import { describe, expect, it } from 'vitest';
import { PunchthroughError } from '../../../../core/index.js';
import { EventType, PROTOCOL_MAX_AUTH_BYTES, PROTOCOL_VERSION, RequestType, type JoinResult } from '../../../../src/protocol/index.js';
import type { SessionHooks } from '../../../../src/session/hooks.js';
import { createMemorySessionStore } from '../../../../src/session/store.js';
import { setupHub } from '../../../support/fake-hub-peer.js';

const helloBody = (auth?: string) => ({
  type: RequestType.HELLO,
  appId: 'g',
  appVersion: '1',
  protocolVersion: PROTOCOL_VERSION,
  ...(auth === undefined ? {} : { auth }),
});

function withHooks(hooks: SessionHooks) {
  const store = createMemorySessionStore();
  const harness = setupHub({ hooks, store, heartbeatIntervalMs: 3_600_000 });
  const greet = async (auth?: string, address?: string) => {
    const peer = harness.open(address);
    const reply = await peer.request(helloBody(auth));
    return { peer, reply };
  };
  const hookErrors = async (hook: string) =>
    (await harness.metrics.hookErrors.get()).values.find((value) => value.labels.hook === hook)?.value ?? 0;
  return { ...harness, store, greet, hookErrors };
}

describe('session hooks', () => {
  it('authenticates a hello with its auth before answering it, and the identity follows the peer into its session', async () => {
    const seen: unknown[] = [];
    const joinedUsers: Array<string | undefined> = [];
    const { hub, greet } = withHooks({
      authenticate: (hello) => {
        seen.push(hello);
        return { userId: `user:${hello.auth ?? 'anonymous'}` };
      },
      authorizeCreate: (context) => void seen.push({ create: context.userId, name: context.name, maxPlayers: context.settings.maxPlayers }),
      memberJoined: (event) => void joinedUsers.push(event.userId),
    });
    const { peer: host, reply } = await greet('token-1', '198.51.100.7');
    expect(reply).toMatchObject({ result: { protocolVersion: PROTOCOL_VERSION } });
    // An old peer without auth still gets in.
    const { peer: old } = await greet();
    expect(seen).toEqual([
      { appId: 'g', appVersion: '1', auth: 'token-1', remoteAddress: '198.51.100.7' },
      { appId: 'g', appVersion: '1', remoteAddress: '198.51.100.1' },
    ]);
    await host.request({ type: RequestType.CREATE, name: 'r', maxPlayers: 4 });
    await old.request({ type: RequestType.JOIN, name: 'r' });
    expect(seen[2]).toEqual({ create: 'user:token-1', name: 'r', maxPlayers: 4 });
    expect(joinedUsers).toEqual(['user:token-1', 'user:anonymous']);
    await hub.shutdown();
  });

  it('answers a refused hello with the hook\'s code, and the connection must say hello again', async () => {
    const { hub, greet } = withHooks({
      authenticate: (hello) => {
        if (hello.auth !== 'good') throw new PunchthroughError('NOT_ALLOWED', 'bad token');
      },
    });
    const { peer, reply } = await greet('bad');
    expect(reply).toMatchObject({ code: 'NOT_ALLOWED', message: 'bad token' });
    expect(await peer.request({ type: RequestType.LIST })).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(await peer.request(helloBody('good'))).toMatchObject({ result: { protocolVersion: PROTOCOL_VERSION } });
    await hub.shutdown();
  });

  it('refuses an auth longer than the protocol allows, whatever the hooks', async () => {
    const { hub, greet } = withHooks({});
    const { reply } = await greet('x'.repeat(PROTOCOL_MAX_AUTH_BYTES + 1));
    expect(reply).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await greet('x'.repeat(PROTOCOL_MAX_AUTH_BYTES))).reply).toMatchObject({ result: {} });
    await hub.shutdown();
  });

  it('puts a refusing authorize hook\'s code on the wire and changes nothing (create, join, change)', async () => {
    const { hub, store, greet } = withHooks({
      authorizeCreate: ({ name }) => {
        if (name === 'forbidden') throw new PunchthroughError('LIMIT_EXCEEDED', 'no more rooms for you');
      },
      authorizeJoin: ({ session, kind }) => {
        if (session.name === 'private' && kind === 'join') throw new PunchthroughError('NOT_ALLOWED', 'invite only');
      },
      authorizeChange: ({ change }) => {
        if (change.properties?.['cheat'] !== undefined) throw new Error('a bug in the hook');
      },
    });
    const { peer: host } = await greet();
    expect(await host.request({ type: RequestType.CREATE, name: 'forbidden' })).toMatchObject({ code: 'LIMIT_EXCEEDED', message: 'no more rooms for you' });
    expect(await store.count()).toBe(0);
    await host.request({ type: RequestType.CREATE, name: 'private' });
    const { peer: client } = await greet();
    expect(await client.request({ type: RequestType.JOIN, name: 'private' })).toMatchObject({ code: 'NOT_ALLOWED', message: 'invite only' });
    expect(host.events(EventType.PEER_JOINED)).toHaveLength(0);
    // A hook that throws something without a code refuses without telling why.
    expect(await host.request({ type: RequestType.SET_PROPERTIES, properties: { cheat: 1 } })).toMatchObject({
      code: 'NOT_ALLOWED',
      message: 'refused by the service (authorizeChange)',
    });
    expect((await store.findByName('g\u00001', 'private'))?.properties).toEqual({});
    await hub.shutdown();
  });

  it('calls the lifecycle hooks after each change is stored, in order, with the committed session', async () => {
    const calls: string[] = [];
    const record = (line: string) => void calls.push(line);
    const harness = withHooks({
      sessionCreated: (event, session) => record(`created ${event.name} members=${session.members.length}`),
      memberJoined: (event, session) => record(`joined ${event.actor} ${event.mode} rejoined=${event.rejoined} members=${session.members.length}`),
      propertiesChanged: (event, session) => record(`changed ${JSON.stringify(event.properties)} open=${event.open} now=${JSON.stringify(session.properties)}`),
      memberLeft: (event, session) => record(`left ${event.actor} ${event.reason} session=${session ? 'open' : 'closed'}`),
      sessionClosed: (event) => record(`closed ${event.reason}`),
    });
    // Every write to the store is recorded too: a hook's line after its write proves "after commit".
    const { insert, compareAndSet } = harness.store;
    harness.store.insert = async (session) => {
      const done = await insert(session);
      record('write');
      return done;
    };
    harness.store.compareAndSet = async (...args) => {
      const done = await compareAndSet(...args);
      record('write');
      return done;
    };
    const { peer: host } = await harness.greet();
    await host.request({ type: RequestType.CREATE, name: 'r' });
    const { peer: client } = await harness.greet();
    await client.request({ type: RequestType.JOIN, name: 'r' });
    await host.request({ type: RequestType.SET_PROPERTIES, properties: { map: 'dust' }, open: false });
    await client.request({ type: RequestType.LEAVE });
    await host.request({ type: RequestType.LEAVE });
    expect(calls).toEqual([
      'write',
      'created r members=1',
      'joined 1 server rejoined=false members=1',
      'write',
      'joined 2 client rejoined=false members=2',
      'write',
      'changed {"map":"dust"} open=false now={"map":"dust"}',
      'write',
      'left 2 left session=open',
      'write',
      'left 1 left session=closed',
      'closed serverLeft',
    ]);
    await harness.hub.shutdown();
  });

  it('isolates a lifecycle hook that throws or rejects: counted, logged, and the peers never notice', async () => {
    const { hub, greet, hookErrors } = withHooks({
      sessionCreated: () => {
        throw new Error('webhook down');
      },
      memberJoined: () => Promise.reject(new Error('webhook slow and down')),
    });
    const { peer: host } = await greet();
    const created = await host.request({ type: RequestType.CREATE, name: 'r' });
    expect(created).toMatchObject({ result: { created: true } });
    expect(host.events(EventType.START)).toHaveLength(1);
    const { peer: client } = await greet();
    const joined = await client.request({ type: RequestType.JOIN, name: 'r' });
    expect((joined as { result: JoinResult }).result.actor).toBe(2);
    expect(host.events(EventType.PEER_JOINED)).toHaveLength(1);
    expect(await hookErrors('sessionCreated')).toBe(1);
    expect(await hookErrors('memberJoined')).toBe(2);
    await hub.shutdown();
  });
});
