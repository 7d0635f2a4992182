import { runHostileCases } from '../support/hostile-input.js';
import { tokenCases } from './token.cases.js';

runHostileCases('token endpoint', tokenCases);
