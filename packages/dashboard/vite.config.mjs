// The marketer's app, served by the Beckon server at /dashboard/ (API.md "Dashboard and
// accounts"). Preact's automatic JSX runtime through Vite's own transformer: no plugin needed.
// Two pages: the app, and the frame the Sites page draws the snippet's real prompt in.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2020',
    rollupOptions: { input: { main: 'index.html', preview: 'prompt-preview.html' } },
  },
});
