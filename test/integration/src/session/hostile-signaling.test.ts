// The signaling attacks against the real `punchthrough cloud` process: the frames that killed it,
// a decode-cost flood and a client grabbing a session, while a healthy host and client play beside.
import { encode } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, RequestType } from '../../../../src/protocol/index.js';
import { spawnCli, type SpawnedCli, spawnLoopbackCloud } from '../../../support/cli.js';
import { HOSTILE_FRAMES } from '../../../support/hostile-frames.js';
import { openRawSignaling } from '../../../support/ws-attacker.js';

// Attackers connect from 127.0.0.2: the per-address limits must not touch the healthy peers.
const ATTACKER = { localAddress: '127.0.0.2' };

describe('a spawned cloud under signaling attacks', () => {
  let cloud: SpawnedCli;
  let host: SpawnedCli;
  let httpUrl: string;

  beforeAll(async () => {
    cloud = spawnLoopbackCloud();
    httpUrl = String((await cloud.waitFor((line) => line.event === 'ready')).http);
    host = spawnCli(['host', '--cloud', httpUrl, '--session', 'healthy', '--json']);
    await host.waitFor((line) => line.event === 'session' && line.name === 'healthy');
  });

  afterAll(async () => {
    expect(await host?.stop()).toBe(0);
    expect(await cloud?.stop()).toBe(0);
  });

  it('survives every crashing frame before and after hello, while a healthy pair keeps ≥ 99 % of its updates', async () => {
    const client = spawnCli(['client', '--cloud', httpUrl, '--session', 'healthy', '--updates', '300', '--interval-ms', '10', '--json']);
    await client.waitFor((line) => line.event === 'connected');
    for (let round = 0; round < 3; round++) {
      for (const [name, build] of Object.entries(HOSTILE_FRAMES)) {
        const frame = build(1);
        for (const afterHello of [false, true]) {
          const attacker = await openRawSignaling(httpUrl, ATTACKER);
          if (afterHello) await attacker.hello();
          attacker.send(frame);
          // Garbage closes the connection (4000/1009/4001); a plain-but-wrong value is answered.
          const code = await Promise.race([attacker.closed, new Promise<number>((r) => setTimeout(() => r(0), 300))]);
          if (code === 0) {
            expect(attacker.received.length, name).toBeGreaterThan(afterHello ? 1 : 0);
            attacker.socket.close();
          } else {
            expect([CloseCode.MALFORMED_FRAME, CloseCode.FRAME_TOO_LARGE, CloseCode.PROTOCOL_VIOLATION], `${name}: ${code}`).toContain(code);
          }
        }
      }
    }
    expect(cloud.child.exitCode).toBeNull();
    expect(await client.exited).toBe(0);
    const updates = client.lines.find((line) => line.event === 'updates')!;
    expect(Number(updates.echoed)).toBeGreaterThanOrEqual(297);
  });

  it('spends no decode time on floods of extension frames: the healthy pair keeps ≥ 99 %', async () => {
    const client = spawnCli(['client', '--cloud', httpUrl, '--session', 'healthy', '--updates', '300', '--interval-ms', '10', '--json']);
    await client.waitFor((line) => line.event === 'connected');
    const deadline = Date.now() + 2_000;
    let sent = 0;
    while (Date.now() < deadline) {
      const attackers = await Promise.all([0, 1, 2, 3].map(() => openRawSignaling(httpUrl, ATTACKER)));
      for (const attacker of attackers) {
        attacker.send(HOSTILE_FRAMES.errorExtensions!(1));
        sent += 1;
      }
      await Promise.all(attackers.map((a) => a.closed));
    }
    expect(sent).toBeGreaterThan(20);
    expect(cloud.child.exitCode).toBeNull();
    expect(await client.exited).toBe(0);
    expect(Number(client.lines.find((line) => line.event === 'updates')!.echoed)).toBeGreaterThanOrEqual(297);
  });

  it('refuses a client that tries to rewrite, hide or close the session; the lobby still lists it as the host made it', async () => {
    const attacker = await openRawSignaling(httpUrl, ATTACKER);
    await attacker.hello('punchthrough-cli');
    attacker.send(encode({ type: RequestType.JOIN, id: 2, name: 'healthy' }));
    await new Promise((r) => setTimeout(r, 200));
    const before = attacker.received.length;
    for (let i = 0; i < 6; i++) {
      attacker.send(encode({ type: RequestType.SET_PROPERTIES, id: 10 + i, open: false, visible: false, properties: { x: 'y'.repeat(4000) } }));
    }
    await new Promise((r) => setTimeout(r, 200));
    const codes = attacker.received.slice(before).map((frame) => {
      const text = Buffer.from(frame).toString('latin1');
      return text.includes('NOT_ALLOWED') ? 'NOT_ALLOWED' : text.includes('LIMIT_EXCEEDED') ? 'LIMIT_EXCEEDED' : 'other';
    });
    expect(codes.filter((c) => c === 'NOT_ALLOWED' || c === 'LIMIT_EXCEEDED')).toHaveLength(6);
    attacker.socket.close();
    const lobby = (await (await fetch(`${httpUrl}/v1/sessions?appId=punchthrough-cli&appVersion=1`)).json()) as { sessions: Array<{ name: string }> };
    expect(lobby.sessions.map((s) => s.name)).toContain('healthy');
  });
});
