/** The hostile-input suite as a whole: at least 300 distinct malformed requests across every endpoint family. */
import { describe, expect, it } from 'vitest';
import { authorizeCases } from './authorize.cases.js';
import { deviceCases } from './device.cases.js';
import { discoveryMiscCases } from './discovery-misc.cases.js';
import { introspectionRevocationCases } from './introspection-revocation.cases.js';
import { logoutUserinfoCases } from './logout-userinfo.cases.js';
import { tokenRequestCases } from './token.cases.js';
import { tokenClientCases } from './token-client-auth.cases.js';
import { tokenGrantCases } from './token-grants.cases.js';

const families = {
  'token: requests': tokenRequestCases,
  'token: client authentication': tokenClientCases,
  'token: grants': tokenGrantCases,
  authorize: authorizeCases,
  'introspection and revocation': introspectionRevocationCases,
  device: deviceCases,
  'logout and userinfo': logoutUserinfoCases,
  'discovery and misc': discoveryMiscCases,
};
const all = Object.entries(families).flatMap(([family, cases]) => cases.map((c) => `${family}: ${c.name}`));

describe(`hostile input: ${all.length} cases in all`, () => {
  it('has at least 300 distinct cases', () => {
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(300);
  });
});
