import { runHostileCases } from '../support/hostile-input.js';
import { logoutUserinfoCases } from './logout-userinfo.cases.js';

runHostileCases('logout and userinfo', logoutUserinfoCases);
