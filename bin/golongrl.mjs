#!/usr/bin/env node
// The `golongrl` command. The library is TypeScript; tsx compiles it on load, so a clean
// clone works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
