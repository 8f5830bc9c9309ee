import type {Config} from '@docusaurus/types';
import sandbox from 'docusaurus-sandbox/remark';

const config: Config = {
  title: 'ejected MDXComponents site',
  url: 'http://localhost',
  baseUrl: '/',
  future: {v4: true, faster: false},
  // .md pages are CommonMark, so the import is tested in both formats.
  markdown: {format: 'detect'},
  presets: [['classic', {docs: {routeBasePath: '/', remarkPlugins: [sandbox]}, blog: false, pages: false}]],
  plugins: ['docusaurus-sandbox'],
};

export default config;
