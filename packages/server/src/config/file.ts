import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../error/config-error.js';
import type { ConfigTree } from './schema.js';

/**
 * A parse error's reason and position, without the excerpt of the file that the YAML and TOML parsers append
 * to their messages: the offending line may hold a secret (`jwt_secret: "…` with its quote missing), and this
 * message goes to stderr, i.e. to the logs.
 */
function parseErrorReason(err: unknown): string {
  const first = ((err as Error).message ?? String(err)).split('\n')[0]!.replace(/:\s*$/, '');
  const e = err as { linePos?: { line: number; col: number }[]; line?: number; column?: number };
  const line = e.linePos?.[0]?.line ?? e.line;
  const col = e.linePos?.[0]?.col ?? e.column;
  return line !== undefined && !/line \d+/.test(first) ? `${first} (line ${line}, column ${col})` : first;
}

/**
 * The mapping in the `APP_CONFIG` file, chosen by extension: YAML (`.yaml`, `.yml`) or TOML (`.toml`). An
 * empty YAML file is an empty mapping.
 */
export function readConfigFile(path: string): ConfigTree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`APP_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  try {
    const parsed: unknown =
      ext === '.toml' ? parseToml(text) : ext === '.yaml' || ext === '.yml' ? parseYaml(text) : undefined;
    if (parsed === undefined && ext !== '.yaml' && ext !== '.yml') {
      throw new ConfigError(`APP_CONFIG: unsupported extension "${ext}" (use .yaml, .yml or .toml)`);
    }
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`APP_CONFIG: ${path} must contain a mapping at the top level`);
    }
    return parsed as ConfigTree;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`APP_CONFIG: cannot parse ${path}: ${parseErrorReason(err)}`);
  }
}
