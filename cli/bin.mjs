#!/usr/bin/env node
// The `ballast` command: registers the TypeScript loader, then runs cli/ballast.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./ballast.ts');
process.exitCode = await main(process.argv.slice(2));
