/**
 * Options of the Docusaurus plugin: one type as users write it, one
 * normalised type, the defaults and one Joi schema (`validateOptions`).
 */
import type {OptionValidationContext} from '@docusaurus/types';
import {createRequire} from 'node:module';
import type {BuildCheckOptions} from './check.js';

// A CommonJS package: Node's ESM loader cannot see its named exports and
// Docusaurus's loader (jiti) has no default export, so require it. Its own Joi
// is used because Docusaurus extends the schema (id) and Joi instances do not mix.
const {Joi} = createRequire(import.meta.url)('@docusaurus/utils-validation') as typeof import('@docusaurus/utils-validation');

export interface DevServerOptions {
  /** Port of the in-process backend under `docusaurus start`; default the dev port + 1. */
  port?: number | undefined;
}

export interface PluginOptions {
  id?: string;
  /** sandbox.config.json (or another JSON file), relative to the site directory. */
  configFile: string;
  /** Where readers' browsers reach the backend; '' means the page's own origin. */
  serverUrl: string;
  devServer: DevServerOptions;
  /** Never contact a backend: Run plays the recorded transcript (`check --record`). */
  recordedOnly: boolean;
  /** Run every block at the end of `docusaurus build` and fail the build when one fails (needs Docker). */
  check: false | BuildCheckOptions;
}

export type Options = Partial<Omit<PluginOptions, 'check'>> & {check?: boolean | Partial<BuildCheckOptions>};

export const DEFAULT_OPTIONS: PluginOptions = {
  configFile: 'sandbox.config.json',
  serverUrl: '',
  devServer: {},
  recordedOnly: false,
  check: false,
};

const SERVER_URL_MESSAGE = '"serverUrl" must be an http(s) URL such as "https://sandbox.example.com", or "" for the same origin';

const schema = Joi.object<PluginOptions>({
  id: Joi.string(),
  configFile: Joi.string().min(1).default(DEFAULT_OPTIONS.configFile),
  serverUrl: Joi.string()
    .allow('')
    .uri({scheme: ['http', 'https']})
    .default(DEFAULT_OPTIONS.serverUrl)
    .messages({'string.uri': SERVER_URL_MESSAGE, 'string.uriCustomScheme': SERVER_URL_MESSAGE}),
  devServer: Joi.object({port: Joi.number().integer().min(1).max(65535)}).default(DEFAULT_OPTIONS.devServer),
  recordedOnly: Joi.boolean().default(DEFAULT_OPTIONS.recordedOnly),
  check: Joi.alternatives(
    Joi.boolean(),
    Joi.object({
      jobs: Joi.number().integer().min(1).max(64),
      filter: Joi.string().min(1),
      record: Joi.boolean().default(false),
    }),
  )
    .default(DEFAULT_OPTIONS.check)
    // `true` is the object form with its defaults.
    .custom((value: boolean | BuildCheckOptions) => (value === true ? {record: false} : value)),
});

export function validateOptions({validate, options}: OptionValidationContext<Options | undefined, PluginOptions>): PluginOptions {
  return validate(schema, options ?? {});
}
