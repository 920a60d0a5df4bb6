// NAT matrix cases under the race policy whose server NAT has address and port dependent mapping (docs/nat-matrix.md, the race table).
import { defineRaceMatrix } from '../support/nat-matrix-suite.js';

defineRaceMatrix('address-and-port-dependent');
