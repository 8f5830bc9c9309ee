/**
 * An ejected component map, as a site that swizzled theme-classic's
 * MDXComponents has: it replaces the theme's map (and the package's wrapper of
 * it) and knows no `Sandbox`.
 */
import Admonition from '@theme/Admonition';
import MDXCode from '@theme/MDXComponents/Code';
import MDXPre from '@theme/MDXComponents/Pre';

const MDXComponents = {
  code: MDXCode,
  pre: MDXPre,
  admonition: Admonition,
};

export default MDXComponents;
