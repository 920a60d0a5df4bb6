// Cluster mode: sessions, event routing and node liveness shared through Redis (loaded only when a Redis URL is configured).
export * from './constants.js';
export { partitionTag, partitionKeys, sessionPointer, nodeMembersKey, inboxKey, leaseKey, APPS_KEY, REAPER_KEY } from './keys.js';
export { createRedisSessionStore, type OwnDeliveries, type RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.js';
export { FencedError, isFenced, loadLibrary, type RedisCommander } from './redis-calls.js';
export { decodeDeliveries, decodeSession, encodeDeliveries, encodeSession, fromJsonText, toJsonText, RecordError } from './record-codec.js';
export { LUA_LIBRARY } from './lua-library.js';
export { createRedisCluster, createWallClock, defaultNodeId, type RedisCluster, type RedisClusterOptions, type ClusterService } from './node.js';
export { createRedisEventBus, type ClusterEventBus, type RedisEventBusOptions } from './event-bus.js';
export { createRedisDeadlines, type ClusterDeadlines } from './deadlines.js';
export { createMembership, NODES_KEY, type Membership, type MembershipOptions } from './membership.js';
export { createRedisRelayTable, relayPlacedKey, relaySessionsKey, type RedisRelayTable, type RedisRelayTableOptions, type RelayTableStats } from './relay-table.js';
export { mergeRelayReads, type RelayRead } from './relay-table-rules.js';
