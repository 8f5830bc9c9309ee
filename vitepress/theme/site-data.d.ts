// The module the Vite plugin of `withSandbox` serves (vitepress/vite.ts, SITE_DATA_MODULE).
declare module 'virtual:docusaurus-sandbox/site-data' {
  const data: {serverUrl: string; recordedOnly: boolean};
  export default data;
}
