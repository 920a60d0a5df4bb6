// NAT matrix cases whose server NAT has endpoint-independent mapping (README "NAT matrix").
import { defineNatMatrix } from '../support/nat-matrix-suite.js';

defineNatMatrix('endpoint-independent');
