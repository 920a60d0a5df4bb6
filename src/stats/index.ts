// The operator's statistics: connect counts by path and NAT pair, live pairs, the /v1/stats view.
export * from './aggregates.js';
export * from './collector.js';
export * from './constants.js';
export * from './view.js';
export * from './metrics.js';
