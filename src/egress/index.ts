// The egress client: every outbound HTTP call to a game's backend (docs/egress.md).
export type { EgressClient, EgressFailure, EgressOptions, EgressPurpose, EgressRequest, EgressResult } from './types.js';
