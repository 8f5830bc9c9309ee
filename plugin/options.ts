/**
 * Options of the Docusaurus plugin: one type as users write it, one
 * normalised type, the defaults and one Joi schema (`validateOptions`).
 */
import type {OptionValidationContext} from '@docusaurus/types';
import {createRequire} from 'node:module';
import type {BuildCheckOptions} from './check.js';
import {frontEndOptionKeys, FRONT_END_DEFAULTS, type FrontEndOptions} from './frontend-options.js';

// A CommonJS package: Node's ESM loader cannot see its named exports and
// Docusaurus's loader (jiti) has no default export, so require it. Its own Joi
// is used because Docusaurus extends the schema (id) and Joi instances do not mix.
const {Joi} = createRequire(import.meta.url)('@docusaurus/utils-validation') as typeof import('@docusaurus/utils-validation');

export type {DevServerOptions} from './frontend-options.js';

export interface PluginOptions extends FrontEndOptions {
  id?: string;
  /** Run every block at the end of `docusaurus build` and fail the build when one fails (needs Docker). */
  check: false | BuildCheckOptions;
}

export type Options = Partial<Omit<PluginOptions, 'check'>> & {check?: boolean | Partial<BuildCheckOptions>};

export const DEFAULT_OPTIONS: PluginOptions = {
  ...FRONT_END_DEFAULTS,
  check: false,
};

const schema = Joi.object<PluginOptions>({
  id: Joi.string(),
  ...frontEndOptionKeys(Joi),
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
