#!/usr/bin/env node
// The `crmkit` command: everything it does is in dist/cli.js (src/cli/main.ts).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
