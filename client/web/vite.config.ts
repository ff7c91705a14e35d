/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const api = process.env.TANDEM_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Monaco's package exports hide its ESM tree; src/monaco/setup.ts imports
    // a chosen subset of it through this alias.
    alias: { 'monaco-esm': fileURLToPath(new URL('./node_modules/monaco-editor/esm/vs', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    // scripts/keep.mjs re-creates dist/.keep (needed by go:embed on a clean clone).
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: 'es' },
  // Monaco is native ESM: serve it as is in dev. Pre-bundling parts of it
  // would create second copies of its internal registries (undo routing).
  optimizeDeps: { exclude: ['monaco-esm'] },
  server: {
    proxy: {
      '/api': {
        target: api,
        ws: true,
        changeOrigin: true,
        // The server accepts WebSocket upgrades from its own origin only (by
        // default): present the proxied socket as same-origin.
        configure: (proxy) => {
          proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', api));
        },
      },
      '/healthz': { target: api },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
