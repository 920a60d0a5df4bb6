// Cluster mode: sessions, event routing and node liveness shared through Redis (loaded only when a Redis URL is configured).
export * from './constants.js';
export { partitionTag, partitionKeys, sessionPointer, nodeMembersKey, inboxKey, leaseKey, APPS_KEY, REAPER_KEY } from './keys.js';
