/**
 * The configuration, or what it points at, keeps the server from starting: an invalid or unknown key, a config
 * file or `<data_dir>/jwt-secret` that cannot be read, a JWT secret that does not decrypt the stored signing
 * keys, a database or data folder that cannot be used. The message names the key or file and the reason; the
 * CLI prints it without a stack and exits with code 78 (EX_CONFIG, sysexits.h).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
