// Helpers of the config-*.test.ts files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

export const SECRET = 'x'.repeat(40);
export const tmp = () => mkdtempSync(join(tmpdir(), 'gh-config-'));

/** The message of the ConfigError loadConfig throws (fails the test when it loads). */
export function configError(options: Parameters<typeof loadConfig>[0]): string {
  try {
    loadConfig(options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration loaded');
}

export const yamlFile = (text: string) => {
  const file = join(tmp(), 'gatehouse.yaml');
  writeFileSync(file, `security:\n  jwt_secret: ${SECRET}\n${text}`);
  return { APP_CONFIG: file };
};
