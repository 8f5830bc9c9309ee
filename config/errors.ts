/** Invalid configuration; `message` names the option and what it must be. */
export class ConfigError extends Error {
  readonly code = 'invalid-config';
  override readonly name = 'ConfigError';
}
