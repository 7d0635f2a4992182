import { runHostileCases } from '../support/hostile-input.js';
import { tokenClientCases } from './token-client-auth.cases.js';

runHostileCases('token endpoint: client authentication', tokenClientCases);
