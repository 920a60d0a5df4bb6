// NAT matrix cases under the race policy whose server NAT has endpoint independent mapping (docs/nat-matrix.md, the race table).
import { defineRaceMatrix } from '../support/nat-matrix-suite.js';

defineRaceMatrix('endpoint-independent');
