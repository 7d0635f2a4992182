import { runHostileCases } from '../support/hostile-input.js';
import { discoveryMiscCases } from './discovery-misc.cases.js';

runHostileCases('discovery, JWKS, health, metrics and unknown paths', discoveryMiscCases);
