/**
 * Registers <Sandbox> for every MDX page by wrapping the theme's component map,
 * so the remark plugin never injects an import into pages.
 */
import MDXComponents from '@theme-init/MDXComponents';
import Sandbox from '@theme/Sandbox';

export default {
  ...MDXComponents,
  Sandbox,
};
