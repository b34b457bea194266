// Vite build of the React UI (renderer/) into dist/renderer, which the core serves at / and Electron loads.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  // Relative asset URLs: the same build works served at / by the core and loaded by the desktop shell.
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // The served CSP allows no inline script: keep Vite from inlining its module-preload helper.
    modulePreload: { polyfill: false },
    // The chart library alone is ~400 kB minified; it loads lazily with the dashboard, so only warn above that.
    chunkSizeWarningLimit: 600,
  },
  server: { port: 5173, strictPort: true },
});
