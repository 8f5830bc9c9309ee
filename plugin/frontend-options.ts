/**
 * The options both front ends take, the Docusaurus plugin's and VitePress's
 * `withSandbox`, with the same names, defaults and messages: written once
 * here, each front end's schema spreads them. The keys are built on the Joi
 * each front end validates with (Docusaurus extends its own, and Joi
 * instances do not mix).
 */
import type JoiModule from 'joi';

/** Port of the dev backend (under `docusaurus start` or `vitepress dev`); default the dev port + 1. */
export interface DevServerOptions {
  port?: number | undefined;
}

export interface FrontEndOptions {
  /** sandbox.config.json (or another JSON file), relative to the site's root. */
  configFile: string;
  /** Where readers' browsers reach the backend; '' means the page's own origin (or the dev backend). */
  serverUrl: string;
  devServer: DevServerOptions;
  /** Never contact a backend: Run plays the recorded transcript (`check --record`). */
  recordedOnly: boolean;
}

export const FRONT_END_DEFAULTS: FrontEndOptions = {
  configFile: 'sandbox.config.json',
  serverUrl: '',
  devServer: {},
  recordedOnly: false,
};

const SERVER_URL_MESSAGE = '"serverUrl" must be an http(s) URL such as "https://sandbox.example.com", or "" for the same origin';

/** The schema keys of FrontEndOptions, on `joi`. */
export function frontEndOptionKeys(joi: typeof JoiModule): Record<keyof FrontEndOptions, JoiModule.Schema> {
  return {
    configFile: joi.string().min(1).default(FRONT_END_DEFAULTS.configFile),
    serverUrl: joi
      .string()
      .allow('')
      .uri({scheme: ['http', 'https']})
      .default(FRONT_END_DEFAULTS.serverUrl)
      .messages({'string.uri': SERVER_URL_MESSAGE, 'string.uriCustomScheme': SERVER_URL_MESSAGE}),
    devServer: joi.object({port: joi.number().integer().min(1).max(65535)}).default(FRONT_END_DEFAULTS.devServer),
    recordedOnly: joi.boolean().default(FRONT_END_DEFAULTS.recordedOnly),
  };
}
