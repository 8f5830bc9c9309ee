import type {Config} from '@docusaurus/types';
import sandbox from 'docusaurus-sandbox/remark';

const config: Config = {
  title: 'partials site',
  url: 'http://localhost',
  baseUrl: '/',
  future: {v4: true, faster: false},
  // future.v4 turns the MDX 1 compatibility off; heading-ids.mdx uses custom heading ids (`## Title {#id}`).
  markdown: {mdx1Compat: {headingIds: true}},
  presets: [['classic', {docs: {routeBasePath: '/', remarkPlugins: [sandbox]}, blog: false, pages: false}]],
  plugins: ['docusaurus-sandbox'],
};

export default config;
