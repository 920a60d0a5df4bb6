// Cluster mode: sessions, event routing and node liveness shared through Redis (loaded only when a Redis URL is configured).
export * from './constants.js';
export { partitionTag, partitionKeys, sessionPointer, nodeMembersKey, inboxKey, leaseKey, APPS_KEY, REAPER_KEY } from './keys.js';
export { createRedisSessionStore, type RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.js';
export { FencedError, isFenced, loadLibrary, type RedisCommander } from './redis-calls.js';
export { decodeDeliveries, decodeSession, encodeDeliveries, encodeSession, fromJsonText, toJsonText, RecordError } from './record-codec.js';
export { LUA_LIBRARY } from './lua-library.js';
