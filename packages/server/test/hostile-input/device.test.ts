import { runHostileCases } from '../support/hostile-input.js';
import { deviceCases } from './device.cases.js';

runHostileCases('device authorization and verification', deviceCases);
