import { runHostileCases } from '../support/hostile-input.js';
import { tokenRequestCases } from './token.cases.js';

runHostileCases('token endpoint: methods, bodies and grant_type', tokenRequestCases);
