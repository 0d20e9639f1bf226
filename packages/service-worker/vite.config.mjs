// One classic-script IIFE: a worker registered without `type: 'module'`, or pulled in with
// importScripts(), cannot load chunks or a top-level import/export
// (see /work/shared/BROWSER-TESTING.md — library mode builds one entry per build).
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2020',
    lib: {
      entry: 'src/sw.ts',
      formats: ['iife'],
      name: 'beckonWorker',
      fileName: () => 'beckon-sw.js',
    },
  },
});
