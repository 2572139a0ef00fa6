import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/trpc': 'http://127.0.0.1:3000' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Shiki's grammars (emacs-lisp, cpp: up to 800 kB) are chunks of their own, fetched only for a code block in
    // that language; the initial bundle is measured by `pnpm bench:web`, not by this warning.
    chunkSizeWarningLimit: 1000,
  },
});
