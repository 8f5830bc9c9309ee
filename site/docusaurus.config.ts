import type {Config} from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import sandbox from 'docusaurus-sandbox/remark';

// The demo site uses docusaurus-sandbox exactly as any site would: the remark
// plugin in each content plugin's `remarkPlugins`, the plugin in `plugins`.
const remarkPlugins = [sandbox];

const config: Config = {
  title: 'docusaurus-sandbox',
  tagline: 'Runnable terminals in your docs, in hardened containers',
  url: 'http://localhost:3000',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  // Docusaurus Faster (rspack) is not installed; the webpack bundler is used.
  future: {v4: true, faster: false},
  presets: [
    [
      'classic',
      {
        docs: {routeBasePath: 'docs', sidebarPath: './sidebars.ts', remarkPlugins},
        blog: {remarkPlugins, onUntruncatedBlogPosts: 'ignore'},
        pages: {remarkPlugins},
        theme: {customCss: './src/css/custom.css'},
      } satisfies Preset.Options,
    ],
  ],
  plugins: ['docusaurus-sandbox'],
  themeConfig: {
    colorMode: {respectPrefersColorScheme: true},
    navbar: {
      title: 'docusaurus-sandbox',
      items: [
        {type: 'docSidebar', sidebarId: 'docs', position: 'left', label: 'Docs'},
        {to: '/blog', label: 'Blog', position: 'left'},
      ],
    },
    prism: {additionalLanguages: ['bash', 'python']},
  } satisfies Preset.ThemeConfig,
};

export default config;
