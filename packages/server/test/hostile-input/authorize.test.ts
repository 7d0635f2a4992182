import { runHostileCases } from '../support/hostile-input.js';
import { authorizeCases } from './authorize.cases.js';

runHostileCases('authorization endpoint', authorizeCases);
