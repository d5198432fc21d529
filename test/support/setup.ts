import '#local/runtime/polyfills.ts';
