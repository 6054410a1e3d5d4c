#!/usr/bin/env node
// Entry point. gauntlet runs from TypeScript sources through tsx, because scenarios and chaos
// experiments are user-written .ts files loaded at run time (anywhere on disk, in ESM or CommonJS
// packages); the same loader serves both. Importing 'tsx' registers its ESM and CommonJS hooks,
// exactly as `node --import tsx` does.
await import('tsx');
await import('../src/cli/main.ts');
