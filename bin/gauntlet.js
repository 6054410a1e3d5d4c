#!/usr/bin/env node
// Entry point. gauntlet runs from TypeScript sources through tsx, because scenarios and chaos
// experiments are user-written .ts files loaded at run time; one loader serves both.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
