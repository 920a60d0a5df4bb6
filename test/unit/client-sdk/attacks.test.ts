// Regression tests for the attacks measured on the unsealed protocol (docs/protocols.md, sealed peer packets): each input
// is the attack itself, run against the sans-IO links on a manual timeline.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LinkOutput, Via } from '../../../client-sdk/peer/link-core.js';
import { HEADER_BYTES, PeerPacketType, writeHeader } from '../../../client-sdk/peer/packets.js';
import { PairSealer } from '../../../client-sdk/peer/sealer.js';
import type { ServerLink } from '../../../client-sdk/peer/server-link.js';
import { CLIENT, clientLink, ep, first, SECRET, SERVER, sends, serverLink, where } from '../../support/sealed-packets.js';

const serverLocal = ep('10.0.0.1', 4000);
const serverReflexive = ep('203.0.113.1', 40000);
const clientLocal = ep('192.168.1.2', 5000);
const clientReflexive = ep('198.51.100.7', 50000);
const attacker = ep('6.6.6.6', 6666);
const direct = (endpoint: typeof serverLocal): Via => ({ path: 'direct', endpoint });

/** What kinds of output a link produced, without the bytes. */
const kinds = (out: LinkOutput[]) => out.map((o) => (o.type === 'dropped' ? `dropped:${o.reason}` : o.type));

/**
 * A client and a server connected directly: the client reaches the server's reflexive endpoint
 * and the server sees it as clientReflexive. The connect the client also sent to the server's
 * LAN address never reached the server: an attacker on the client's LAN captured it.
 */
function connectedPair() {
  const c = clientLink({ candidates: [serverLocal, serverReflexive] });
  const s = serverLink({ candidates: [clientReflexive, clientLocal] });
  const [toLocal, toReflexive] = sends(c.poll(0));
  const accept = sends(s.receive(toReflexive!.bytes, direct(clientReflexive), 10))[0]!.bytes;
  const confirm = sends(c.receive(accept, direct(serverReflexive), 20))[0]!.bytes;
  expect(first(s.receive(confirm, direct(clientReflexive), 30), 'connected')).toBeDefined();
  return { c, s, captured: toLocal!.bytes, accept, confirm };
}

describe('replayed and raced handshake packets', () => {
  it('a CONNECT replayed from another address while connected gets one accept of its own size and never moves the path', () => {
    const { c, s, captured } = connectedPair();
    const out = s.receive(captured, direct(attacker), 100);
    expect(sends(out).map((p) => [where(p.via), p.type, p.bytes.length])).toEqual([['6.6.6.6:6666', PeerPacketType.ACCEPT, captured.length]]);
    expect(out.some((o) => o.type === 'pathChanged')).toBe(false);
    // A second copy is a replay: nothing at all.
    expect(kinds(s.receive(captured, direct(attacker), 101))).toEqual(['dropped:replay']);
    // The attacker cannot answer the accept's probe (it has no session key), so the game stream
    // stays with the client: 160 updates, 160 to the client's endpoint, each read by the client.
    let received = 0;
    for (let i = 0; i < 160; i++) {
      const [update] = sends(s.send(Buffer.from([i])));
      expect(where(update!.via)).toBe('198.51.100.7:50000');
      if (first(c.receive(update!.bytes, direct(serverReflexive), 200 + i), 'message')) received++;
    }
    expect(received).toBe(160);
    expect(s.core.via).toEqual(direct(clientReflexive));
  });

  it('client packets raced ahead from another address are delivered once, earn a probe that only the client could answer, and move nothing', () => {
    const { c, s } = connectedPair();
    const update = sends(c.send(Buffer.from('input')))[0]!.bytes;
    const raced = s.receive(update, direct(attacker), 100);
    expect(first(raced, 'message')).toEqual({ type: 'message', data: Buffer.from('input') });
    const probe = sends(raced);
    expect(probe.map((p) => [where(p.via), p.type])).toEqual([['6.6.6.6:6666', PeerPacketType.KEEPALIVE]]);
    expect(probe[0]!.bytes.length).toBeLessThanOrEqual(update.length);
    // The genuine copy arrives second: a duplicate, dropped.
    expect(kinds(s.receive(update, direct(clientReflexive), 101))).toEqual(['dropped:replay']);
    // The attacker echoes the probe with what it has: captured client keepalive replies (the confirm, replayed)
    // and forged ones. None opens.
    const forged = Buffer.alloc(39, 1);
    writeHeader(forged, PeerPacketType.KEEPALIVE, CLIENT, SERVER, 999);
    expect(kinds(s.receive(forged, direct(attacker), 102))).toEqual(['dropped:auth']);
    expect(s.core.via).toEqual(direct(clientReflexive));
  });

  it('a PING replayed to the client (even from many ports) is dropped: at most one connect answers the genuine ping', () => {
    const c = clientLink({ candidates: [serverReflexive] });
    const s = serverLink({ candidates: [clientLocal, clientReflexive] });
    c.poll(0);
    // The ping to the client's LAN address, captured, then replayed to the client from 2,000 ports.
    const [toLocal] = sends(s.poll(0));
    let connects = 0;
    let replays = 0;
    for (let port = 30_000; port < 32_000; port++) {
      const out = c.receive(toLocal!.bytes, direct(ep('6.6.6.6', port)), 10);
      connects += sends(out).length;
      replays += out.filter((o) => o.type === 'dropped' && o.reason === 'replay').length;
    }
    expect(connects).toBe(1);
    expect(replays).toBe(1999);
    expect(c.candidates.length).toBeLessThanOrEqual(1 + 8);
  });
});

describe('blind forgery with the right actor numbers', () => {
  it('4,000 forged DISCONNECT, KEEPALIVE and DATA packets over a 2,000-port window neither disconnect nor inject', () => {
    const { c, s } = connectedPair();
    const outputs: LinkOutput[] = [];
    let n = 0;
    for (let port = 40_000; port < 42_000; port++) {
      for (const type of [PeerPacketType.DISCONNECT, n % 2 ? PeerPacketType.KEEPALIVE : PeerPacketType.DATA]) {
        const size = type === PeerPacketType.DISCONNECT ? 1 : type === PeerPacketType.KEEPALIVE ? 5 : 8;
        const bytes = Buffer.concat([Buffer.alloc(HEADER_BYTES), randomBytes(size + 16)]);
        writeHeader(bytes, type, SERVER, CLIENT, n++ % 64); // guessed counters near the start
        outputs.push(...c.receive(bytes, direct(ep('203.0.113.1', port)), 100));
        const toServer = Buffer.from(bytes);
        writeHeader(toServer, type, CLIENT, SERVER, n % 64);
        outputs.push(...s.receive(toServer, direct(ep('198.51.100.7', port)), 100));
      }
    }
    expect(outputs.length).toBe(8000);
    // Forged tags fail; guessed counters the genuine packets already used fail earlier, as replays.
    expect(new Set(kinds(outputs))).toEqual(new Set(['dropped:auth', 'dropped:replay']));
    expect(kinds(outputs).filter((k) => k === 'dropped:auth').length).toBeGreaterThan(7900);
    expect([c.phase, s.phase]).toEqual(['connected', 'connected']);
    // The pair still works both ways.
    expect(first(s.receive(sends(c.send(Buffer.from('ok')))[0]!.bytes, direct(clientReflexive), 200), 'message')).toBeDefined();
    expect(first(c.receive(sends(s.send(Buffer.from('ok')))[0]!.bytes, direct(serverReflexive), 200), 'message')).toBeDefined();
  });

  it('a captured DATA cannot be delivered twice', () => {
    const { c, s } = connectedPair();
    const update = sends(c.send(Buffer.from('once')))[0]!.bytes;
    expect(kinds(s.receive(update, direct(clientReflexive), 50))).toEqual(['message']);
    for (let i = 0; i < 10; i++) expect(kinds(s.receive(update, direct(clientReflexive), 51))).toEqual(['dropped:replay']);
  });
});

describe('path moves only after an authenticated round trip', () => {
  it('a NAT rebinding moves the server only once the probe sent to the new endpoint is answered, and only there', () => {
    const { c, s } = connectedPair();
    const rebound = ep('198.51.100.7', 50123);
    const out = s.receive(sends(c.send(Buffer.from('after rebinding')))[0]!.bytes, direct(rebound), 1000);
    expect(kinds(out)).toEqual(['message', 'send']);
    expect(s.core.via).toEqual(direct(clientReflexive));
    const probe = sends(out)[0]!;
    expect(where(probe.via)).toBe('198.51.100.7:50123');
    // The client answers on the path the probe came by.
    const reply = sends(c.receive(probe.bytes, direct(serverReflexive), 1010))[0]!;
    expect(reply.via).toEqual(direct(serverReflexive));
    // The reply proves the path the probe went on (RFC 9000 §8.2.2: a response on any path
    // validates the path the challenge was sent on), whoever forwards it: the server moves to
    // the rebound endpoint, never to the forwarder.
    const moved = s.receive(Uint8Array.from(reply.bytes), direct(attacker), 1015);
    expect(moved).toContainEqual({ type: 'pathChanged', via: direct(rebound), from: direct(clientReflexive), reason: 'roamed' });
    expect(s.core.via).toEqual(direct(rebound));
    // A forged reply moves nothing.
    const forged = Buffer.alloc(39, 1);
    writeHeader(forged, PeerPacketType.KEEPALIVE, CLIENT, SERVER, 999);
    expect(kinds(s.receive(forged, direct(attacker), 1020))).toEqual(['dropped:auth']);
    expect(s.core.via).toEqual(direct(rebound));
  });

  it('a malicious host cannot aim the client stream at a victim it announced (no spoofing needed to try)', () => {
    const victim = ep('192.0.2.99', 9999);
    const host = ep('203.0.113.66', 40000);
    const c = clientLink({ candidates: [victim, host] });
    // The host knows the pair secret: it reads every connect it receives and seals whatever it likes.
    const evil = new PairSealer({ role: 'server', self: SERVER, peer: CLIENT, pairSecret: SECRET, counterBase: 77 });
    const seen: Uint8Array[] = [];
    for (let t = 0; t <= 2500; t += 500) {
      for (const sent of sends(c.poll(t))) {
        if (where(sent.via) !== '203.0.113.66:40000') continue; // the victim's copies never reach the host
        const opened = evil.open(sent.bytes);
        if (opened.ok && opened.packet.type === PeerPacketType.CONNECT) {
          seen.push(opened.packet.challenge);
          evil.establish(opened.packet.publicKey);
        }
      }
    }
    // Accepts with guessed challenges (the old attack echoed guessed counters) go nowhere.
    for (let i = 0; i < 200; i++) {
      const accept = evil.seal({ type: PeerPacketType.ACCEPT, from: SERVER, to: CLIENT, challenge: randomBytes(8), publicKey: evil.publicKey, probe: i });
      expect(kinds(c.receive(accept, direct(host), 3000))).toEqual(['dropped:stale']);
    }
    // Echoing a challenge it did see names only the host's own endpoint.
    const real = evil.seal({ type: PeerPacketType.ACCEPT, from: SERVER, to: CLIENT, challenge: seen[0]!, publicKey: evil.publicKey, probe: 1 });
    const out = c.receive(real, direct(host), 3000);
    expect(first(out, 'connected')?.via).toEqual(direct(host));
    expect(sends(c.send(Buffer.from('x'))).map((p) => where(p.via))).toEqual(['203.0.113.66:40000']);
  });
});

describe('amplification: the host pings a client within a fixed budget', () => {
  function pollAll(link: ServerLink, from: number, to: number, sent: { to: string; t: number }[]): void {
    for (let t = link.nextDeadline(); t !== undefined && t >= from && t <= to; t = link.nextDeadline()) {
      for (const p of sends(link.poll(t))) sent.push({ to: where(p.via), t });
    }
  }

  it('84 address reports in 4 s with changing candidates make the host send ≤ 1,000 datagrams to ≤ 16 endpoints', () => {
    const link = serverLink({ candidates: [clientReflexive] });
    const sent: { to: string; t: number }[] = [];
    for (let i = 0; i < 84; i++) {
      const now = Math.round((i * 4000) / 84);
      pollAll(link, 0, now, sent);
      const fresh = Array.from({ length: 17 }, (_, k) => ep(`100.64.${i}.${k}`, 10_000 + k));
      link.update({ actor: CLIENT, candidates: fresh, pairSecret: SECRET });
      for (const p of sends(link.poll(now))) sent.push({ to: where(p.via), t: now });
    }
    pollAll(link, 0, 60_000, sent);
    const endpoints = new Set(sent.map((s) => s.to));
    expect(sent.length).toBeLessThanOrEqual(1000);
    expect(endpoints.size).toBeLessThanOrEqual(16);
    // Exactly: 10 rounds (DEFAULT_ATTEMPTS_LIMIT), within 5 s of the first report: round 0 to the
    // one endpoint announced then, rounds 1–9 to the first 8 announced endpoints kept.
    expect(endpoints.size).toBe(8);
    expect(sent.length).toBe(1 + 9 * 8);
    expect(Math.max(...sent.map((s) => s.t))).toBeLessThan(5000);
    // A report after the window restarts nothing.
    link.update({ actor: CLIENT, candidates: [ep('100.65.0.1', 1)], pairSecret: SECRET });
    expect(link.poll(9000)).toEqual([]);
    expect(link.nextDeadline()).toBeUndefined();
  });

  it('a late timer skips ping rounds rather than bursting them', () => {
    const link = serverLink({ candidates: [clientReflexive, clientLocal] });
    expect(sends(link.poll(0))).toHaveLength(2);
    expect(sends(link.poll(2600))).toHaveLength(2); // rounds 1–4 are gone, round 5 goes
    expect(link.pingsSent).toBe(6);
    expect(sends(link.poll(2700))).toHaveLength(0);
  });

  it('peer-reflexive endpoints learned from authentic connects are capped too', () => {
    const link = serverLink({ candidates: [clientReflexive] });
    const c = clientLink({ candidates: Array.from({ length: 8 }, (_, i) => ep('10.0.0.1', 4000 + i)) });
    const connects = [...sends(c.poll(0)), ...sends(c.poll(500))];
    expect(connects).toHaveLength(16);
    const learned: string[] = [];
    for (const [i, connect] of connects.entries()) {
      const out = link.receive(connect.bytes, direct(ep('198.51.100.7', 60_000 + i)), 10);
      expect(sends(out).map((p) => p.type)).toEqual([PeerPacketType.ACCEPT]);
      for (const o of out) if (o.type === 'learned') learned.push(where(direct(o.endpoint)));
    }
    expect(learned).toHaveLength(8);
    expect(link.candidates).toHaveLength(1 + 8);
  });
});
