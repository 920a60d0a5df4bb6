// NAT matrix cases whose server NAT has address-dependent mapping (README "NAT matrix").
import { defineNatMatrix } from '../support/nat-matrix-suite.js';

defineNatMatrix('address-dependent');
