import type {Theme} from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import {enhanceAppWithSandbox} from 'docusaurus-sandbox/vitepress/theme';

export default {
  extends: DefaultTheme,
  enhanceApp(ctx) {
    enhanceAppWithSandbox(ctx);
  },
} satisfies Theme;
