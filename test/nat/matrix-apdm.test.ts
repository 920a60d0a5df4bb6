// NAT matrix cases whose server NAT has address-and-port-dependent mapping (docs/nat-matrix.md).
import { defineNatMatrix } from '../support/nat-matrix-suite.js';

defineNatMatrix('address-and-port-dependent');
