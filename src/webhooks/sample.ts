// A sample notification of each type for POST /v1/admin/webhooks/test: a made-up session
// ("webhook-test") with one server and one client, so a backend can be tried before any game runs.
import { appKeyOf, type Member, type Session } from '../session/model.js';
import type { NotificationType } from './constants.js';
import type { Notification } from './notifications.js';

export function sampleNotification(appId: string, type: NotificationType): Notification {
  const member = (actor: number, mode: Member['mode']): Member => ({
    actor,
    peerId: `sample-peer-${actor}`,
    mode,
    active: true,
    rejoinToken: '',
    pairSecret: new Uint8Array(0),
    userId: `sample-user-${actor}`,
    nickname: `Sample ${actor}`,
  });
  const server = member(1, 'server');
  const client = member(2, 'client');
  const session: Session = {
    sessionId: 'webhook-test',
    appKey: appKeyOf(appId, ''),
    name: 'webhook-test',
    createdAt: 0,
    maxPlayers: 4,
    open: true,
    visible: true,
    properties: { map: 'sample' },
    lobbyKeys: ['map'],
    playerTtlMs: 0,
    emptySessionTtlMs: 0,
    members: [server, client],
    nextActor: 3,
  };
  switch (type) {
    case 'session.created':
      return { type, session, member: server, data: { kind: 'created' } };
    case 'peer.joined':
      return { type, session, member: client, data: { kind: 'joined', rejoined: false } };
    case 'peer.connected':
      return { type, session, member: client, data: { kind: 'connected', path: 'direct', ms: 120 } };
    case 'session.propertiesChanged':
      return { type, session, member: server, data: { kind: 'properties', properties: { map: 'sample' }, open: true, visible: true } };
    case 'peer.left':
      return { type, session, member: client, data: { kind: 'left', reason: 'left', isInactive: false } };
    case 'session.closed':
      return { type, session, data: { kind: 'closed', reason: 'serverLeft', actorCount: 0 } };
  }
}
