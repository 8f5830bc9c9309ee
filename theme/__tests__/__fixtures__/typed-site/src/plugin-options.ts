// A site config that types the plugin's options: the plugin's types bring the theme's declarations.
import type {Options} from 'docusaurus-sandbox';

export const options: Options = {};
