import { runHostileCases } from '../support/hostile-input.js';
import { introspectionRevocationCases } from './introspection-revocation.cases.js';

runHostileCases('introspection and revocation', introspectionRevocationCases);
