import type {Config} from '@docusaurus/types';

const config: Config = {
  title: 'translated site',
  url: 'http://localhost',
  baseUrl: '/',
  future: {v4: true, faster: false},
  i18n: {defaultLocale: 'en', locales: ['en', 'fr']},
  presets: [['classic', {docs: {routeBasePath: '/'}, blog: false, pages: false}]],
  plugins: ['docusaurus-sandbox'],
};

export default config;
