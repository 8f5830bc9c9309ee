/**
 * Options of `withSandbox(config, options?)`: the type as users write it,
 * the normalised type, the defaults and one Joi schema, as the Docusaurus
 * plugin's (plugin/options.ts) with the same names and meanings.
 */
import Joi from 'joi';
import type {SandboxConfigInput} from '../config/schema.js';
import {ConfigError} from '../config/errors.js';
import {frontEndOptionKeys, FRONT_END_DEFAULTS, type FrontEndOptions} from '../plugin/frontend-options.js';

export interface SandboxVitePressOptions extends FrontEndOptions {
  /** The configuration itself, instead of a file (`configFile` is relative to the folder holding `.vitepress`). */
  config: SandboxConfigInput | undefined;
}

export type Options = Partial<SandboxVitePressOptions>;

export const DEFAULT_OPTIONS: SandboxVitePressOptions = {...FRONT_END_DEFAULTS, config: undefined};

const schema = Joi.object<SandboxVitePressOptions>({
  ...frontEndOptionKeys(Joi),
  // Checked by the config's own schema when it is read, with the option's name in the message.
  config: Joi.object().unknown(true),
});

/** The options with their defaults; a `ConfigError` naming the option and the fix when one is wrong. */
export function validateOptions(options: Options | undefined): SandboxVitePressOptions {
  const {error, value} = schema.validate(options ?? {}, {abortEarly: true, convert: false});
  if (error) throw new ConfigError(`invalid withSandbox option: ${error.details[0]?.message ?? error.message}`);
  return {...DEFAULT_OPTIONS, ...value};
}
