// NAT matrix cases whose server NAT has endpoint-independent mapping (docs/nat-matrix.md).
import { defineNatMatrix } from '../support/nat-matrix-suite.js';

defineNatMatrix('endpoint-independent');
