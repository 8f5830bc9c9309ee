/**
 * Options of `withSandbox(config, options?)`: the type as users write it,
 * the normalised type, the defaults and one Joi schema, as the Docusaurus
 * plugin's (plugin/options.ts) with the same names and meanings.
 */
import Joi from 'joi';
import type {SandboxConfigInput} from '../config/schema.js';
import {ConfigError} from '../config/errors.js';

export interface SandboxVitePressOptions {
  /** sandbox.config.json (or another JSON file), relative to the site's root (the folder holding `.vitepress`). */
  configFile: string;
  /** The configuration itself, instead of a file. */
  config: SandboxConfigInput | undefined;
  /** Where readers' browsers reach the backend; '' means the page's own origin (or the dev backend under `vitepress dev`). */
  serverUrl: string;
  devServer: {
    /** Port of the dev backend under `vitepress dev`; default the dev port + 1. */
    port?: number | undefined;
  };
  /** Never contact a backend: Run plays the recorded transcript (`check --record`). */
  recordedOnly: boolean;
}

export type Options = Partial<SandboxVitePressOptions>;

export const DEFAULT_OPTIONS: SandboxVitePressOptions = {
  configFile: 'sandbox.config.json',
  config: undefined,
  serverUrl: '',
  devServer: {},
  recordedOnly: false,
};

const SERVER_URL_MESSAGE = '"serverUrl" must be an http(s) URL such as "https://sandbox.example.com", or "" for the same origin';

const schema = Joi.object<SandboxVitePressOptions>({
  configFile: Joi.string().min(1).default(DEFAULT_OPTIONS.configFile),
  // Checked by the config's own schema when it is read, with the option's name in the message.
  config: Joi.object().unknown(true),
  serverUrl: Joi.string()
    .allow('')
    .uri({scheme: ['http', 'https']})
    .default(DEFAULT_OPTIONS.serverUrl)
    .messages({'string.uri': SERVER_URL_MESSAGE, 'string.uriCustomScheme': SERVER_URL_MESSAGE}),
  devServer: Joi.object({port: Joi.number().integer().min(1).max(65535)}).default(DEFAULT_OPTIONS.devServer),
  recordedOnly: Joi.boolean().default(DEFAULT_OPTIONS.recordedOnly),
});

/** The options with their defaults; a `ConfigError` naming the option and the fix when one is wrong. */
export function validateOptions(options: Options | undefined): SandboxVitePressOptions {
  const {error, value} = schema.validate(options ?? {}, {abortEarly: true, convert: false});
  if (error) throw new ConfigError(`invalid withSandbox option: ${error.details[0]?.message ?? error.message}`);
  return {...DEFAULT_OPTIONS, ...value};
}
