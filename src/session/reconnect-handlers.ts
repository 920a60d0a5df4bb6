/**
 * The sessions service's side of cloud loss and rejoin: a dropped socket is held for the
 * reconnect grace, a rejoin resumes it (taking over from a socket not yet noticed dead), and
 * RESTORE re-establishes a session a restarted cloud lost. The pure changes are in reconnect.ts;
 * the why in docs/protocols.md, "Cloud loss and rejoin".
 */
import { notFoundMessage } from './peer-reports.js';
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { JoinResult, RejoinRequest, RestoreRequest } from '../protocol/index.js';
import type { RequestChecks } from './checks.js';
import type { HookRunner } from './hook-runner.js';
import type { PluginRuntime } from '../plugins/runtime.js';
import type { CallerContext } from './hooks.js';
import { placeOn } from './placement.js';
import { rejoin, type Member, type NewMember, type Outcome, type Session, type SessionSettings } from './model.js';
import type { Membership, Peer } from './peer.js';
import { disconnect, restore, resume, type ReservedClient } from './reconnect.js';
import { refuse } from './request-error.js';
import type { ResolvedOptions } from './options.js';
import type { JoinReply } from './sessions.js';
import type { SessionStore } from './store.js';

/** What the handlers need of the sessions service (its internals, passed in once). */
export interface ReconnectContext {
  clock: Clock;
  store: SessionStore;
  hooks: HookRunner;
  plugins: Pick<PluginRuntime, 'beforeJoin'>;
  checks: RequestChecks;
  settings: Pick<ResolvedOptions, 'reconnectGraceMs' | 'randomBytes' | 'nodeId'>;
  token(bytes: number): string;
  appKey(peer: Peer): string;
  caller(peer: Peer): CallerContext;
  update<R>(sessionId: string, attempt: (s: Session) => Outcome<R>): Promise<Outcome<R> | undefined>;
  welcome(peer: Peer, reply: JoinReply, session: Session, member: Member, created: boolean, kind: string): void;
  unbind(peer: Peer): Membership | undefined;
  /** Creates a session the way create does (limits, hook, insert); false when the name is taken. */
  createSession(peer: Peer, request: RestoreRequest, name: string, reply: JoinReply, make: MakeSession): Promise<boolean>;
}

/** Makes a new session's state with its entering member (create's, or a restore's). */
export type MakeSession = (sessionId: string, settings: SessionSettings, now: number) => Outcome<Member>;

export interface ReconnectHandlers {
  rejoin(peer: Peer, request: RejoinRequest, reply: JoinReply): Promise<void>;
  restore(peer: Peer, request: RestoreRequest, reply: JoinReply): Promise<void>;
  /** The socket is gone: held for the grace (or dropped at once without one). */
  drop(peer: Peer): Promise<void>;
  /** `peer` entered as a member: a later connection of the same member may take over from it. */
  entered(peer: Peer): void;
}

/** SHA-256 of a restore token, as the host's proof and the stored restore proof carry it. */
export function restoreProofOf(restoreToken: Uint8Array): string {
  return createHash('sha256').update(restoreToken).digest('base64url');
}

export function createReconnectHandlers(ctx: ReconnectContext): ReconnectHandlers {
  // The connection of each member in this process, so a rejoin can take over from it. A member
  // whose old socket is in another process is taken over in the model (its connection count).
  const holders = new Map<string, Peer>();
  const heldBy = new WeakMap<Peer, string>();
  const keyOf = (m: { sessionId: string; actor: number }): string => `${m.sessionId}\u0000${m.actor}`;

  const takeOver = (peer: Peer, sessionId: string, actor: number): void => {
    const old = holders.get(keyOf({ sessionId, actor }));
    if (old && old !== peer && old.membership?.sessionId === sessionId && old.membership.actor === actor) ctx.unbind(old);
  };

  const findSession = async (peer: Peer, request: RejoinRequest): Promise<Session> => {
    const key = ctx.appKey(peer);
    const stored = await ctx.store.get(request.sessionId);
    if (stored?.session.appKey === key) return stored.session;
    // A restored session has a new id (a restore never takes the id it asks for); its name stayed.
    const byName = request.sessionName === undefined ? undefined : await ctx.store.findByName(key, request.sessionName);
    return byName ?? refuse('SESSION_NOT_FOUND', notFoundMessage(request.sessionName, peer));
  };

  return {
    async rejoin(peer, request, reply) {
      const session = await findSession(peer, request);
      await ctx.hooks.authorizeJoin({ ...ctx.caller(peer), session, kind: 'rejoin' });
      await ctx.plugins.beforeJoin(peer, session, 'rejoin', request.actor);
      const proof = {
        rejoinToken: request.rejoinToken,
        ...(request.restoreToken ? { restoreProof: restoreProofOf(request.restoreToken) } : {}),
      };
      let resumed = false;
      const outcome = await ctx.update(session.sessionId, (s) => {
        const held = resume(s, request.actor, proof, ctx.clock.now());
        resumed = held?.ok ?? false;
        const back = held ?? rejoin(s, request.actor, request.rejoinToken, ctx.settings.randomBytes(32), ctx.clock.now(), proof.restoreProof);
        return placeOn(back, ctx.settings.nodeId);
      });
      if (!outcome) refuse('SESSION_NOT_FOUND', 'the session closed');
      if (!outcome.ok) refuse(outcome.code, outcome.message);
      takeOver(peer, session.sessionId, request.actor);
      const answer: JoinReply = resumed ? (result: JoinResult) => reply({ ...result, resumed: true }) : reply;
      ctx.welcome(peer, answer, outcome.change.next!, outcome.change.result, false, resumed ? 'resume' : 'rejoin');
    },

    async restore(peer, request, reply) {
      const name = ctx.checks.validName(request.name);
      ctx.checks.checkProperties(request.properties);
      const clients: ReservedClient[] = request.clients.map((client) => ({
        actor: client.actor,
        peerId: client.peerId,
        restoreProof: Buffer.from(client.proof).toString('base64url'),
        rejoinToken: ctx.token(18),
        pairSecret: ctx.settings.randomBytes(32),
      }));
      const host: NewMember = {
        mode: 'server',
        peerId: request.peerId,
        rejoinToken: ctx.token(18),
        pairSecret: ctx.settings.randomBytes(32),
        ...(peer.userId === undefined ? {} : { userId: peer.userId }),
      };
      const made = (id: string, settings: SessionSettings, now: number): Outcome<Member> =>
        restore(id, ctx.appKey(peer), name, settings, host, clients, now, ctx.settings.reconnectGraceMs);
      // A fresh id, never the one asked for: this cloud cannot tell the session's host from anyone
      // who read the id in the lobby, and a rejoin by id must only ever find the session it left.
      if (!(await ctx.createSession(peer, request, name, reply, made))) {
        refuse('SESSION_EXISTS', `a session named "${name}" already exists`);
      }
    },

    async drop(peer) {
      const held = heldBy.get(peer);
      if (held !== undefined && holders.get(held) === peer) holders.delete(held);
      const membership = ctx.unbind(peer);
      if (!membership) return;
      const connection = membership.connection ?? 0;
      await ctx.update(membership.sessionId, (s) => ({
        ok: true,
        change: disconnect(s, membership.actor, connection, ctx.clock.now(), ctx.settings.reconnectGraceMs),
      }));
    },

    entered(peer) {
      const membership = peer.membership;
      if (!membership) return;
      const key = keyOf(membership);
      // One entry per connection: the session it was in before (left, closed, kicked) goes.
      const before = heldBy.get(peer);
      if (before !== undefined && holders.get(before) === peer) holders.delete(before);
      holders.set(key, peer);
      heldBy.set(peer, key);
    },
  };
}
