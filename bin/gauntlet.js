#!/usr/bin/env node
// Entry point. gauntlet runs from TypeScript sources through tsx, because scenarios and chaos
// experiments are user-written .ts files loaded at run time (anywhere on disk, in ESM or CommonJS
// packages); the same loader serves both. Importing 'tsx' registers its ESM and CommonJS hooks,
// exactly as `node --import tsx` does.
await import('tsx');
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Open handles (sockets of a detached topology's probes) must not keep a finished command alive.
process.exit(code);
