import { runHostileCases } from '../support/hostile-input.js';
import { tokenGrantCases } from './token-grants.cases.js';

runHostileCases('token endpoint: grants, scopes and resources', tokenGrantCases);
