// `.vue` files are compiled by @vitejs/plugin-vue; to TypeScript (npm run typecheck) they are components. The page's
// logic lives in use-crm-demo.ts, which is type-checked.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
