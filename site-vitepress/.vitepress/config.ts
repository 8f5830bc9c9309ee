import {defineConfig} from 'vitepress';
import {withSandbox} from 'docusaurus-sandbox/vitepress';

// The VitePress demo uses docusaurus-sandbox as any VitePress site would: its config wrapped in withSandbox, and
// enhanceAppWithSandbox in the theme. Its pages include the Docusaurus demo's tutorials (site/docs/tutorials), so both
// demos run the very same blocks, with the environments of the same sandbox.config.json.
export default withSandbox(
  defineConfig({
    title: 'docusaurus-sandbox on VitePress',
    description: 'Runnable terminals in VitePress docs, in hardened containers',
    // The included Docusaurus pages link to Docusaurus-only pages of the other demo.
    ignoreDeadLinks: true,
    // A production build checks attributes while hydrating only with this flag, which VitePress's own Vite plugin
    // sets (to false) after the site's `vite.define`; a plugin's hook after it wins. The e2e tests read its warnings.
    vite: {plugins: [{name: 'hydration-mismatch-details', config: () => ({define: {__VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'true'}})}]},
    locales: {
      root: {label: 'English', lang: 'en-US'},
      fr: {label: 'Français', lang: 'fr-FR', link: '/fr/'},
    },
    themeConfig: {
      sidebar: [
        {
          text: 'Tutorials',
          items: [
            {text: 'A tour of the shell', link: '/tutorials/shell-tour'},
            {text: 'A two-file Node.js program', link: '/tutorials/node-two-files'},
            {text: 'A Python program that asks questions', link: '/tutorials/python-input'},
            {text: 'When a program fails', link: '/tutorials/failing-program'},
            {text: 'A program that never stops', link: '/tutorials/endless-printer'},
            {text: 'Write, build, start and query a server', link: '/tutorials/multi-step-server'},
            {text: 'What carries over between steps', link: '/tutorials/three-steps'},
            {text: 'The VitePress container style', link: '/tutorials/containers'},
          ],
        },
      ],
    },
  }),
  {configFile: '../site/sandbox.config.json'},
);
