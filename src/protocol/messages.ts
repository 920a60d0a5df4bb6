// The signaling protocol's messages, one file per kind: codes, values, requests, replies, events.
export * from './codes.js';
export * from './values.js';
export * from './requests.js';
export * from './replies.js';
export * from './events.js';
