import { destination, type Logger } from 'pino';
import { type Gatehouse, openGatehouse } from '../app/gatehouse.js';
import { type AppConfig, ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../infra/logger.js';
import { fail } from './output.js';

/**
 * The configuration, and the logger every part of the command logs through. `serve` logs to stdout, the
 * service's log stream; every other command to stderr, so that its stdout is only its output: JSON that may
 * hold a client secret, piped into `jq` or a secret store, must not start with a configuration warning.
 * Synchronous, so that nothing is lost to a `process.exit` right after.
 */
export function loadCliConfig(logTo: 'stdout' | 'stderr'): { cfg: AppConfig; logger: Logger } {
  // The logger needs a valid log_level, which is part of the configuration: warnings wait for it.
  const warnings: string[] = [];
  let cfg: AppConfig;
  try {
    cfg = loadConfig({ warn: (m) => warnings.push(m) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 78);
    throw err;
  }
  const logger =
    logTo === 'stdout'
      ? createLogger(cfg.log_level)
      : createLogger(cfg.log_level, destination({ dest: 2, sync: true }));
  for (const m of warnings) logger.warn(m);
  return { cfg, logger };
}

/** Runs a command against an open Gatehouse (no seeds unless asked) and closes it afterwards. */
export async function withGatehouse(
  fn: (gatehouse: Gatehouse) => Promise<void>,
  seed = false,
): Promise<void> {
  const { cfg, logger } = loadCliConfig('stderr');
  const gatehouse = await openGatehouse(cfg, { seed, logger });
  try {
    await fn(gatehouse);
  } finally {
    await gatehouse.close();
  }
}
