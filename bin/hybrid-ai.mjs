#!/usr/bin/env node
// `hybrid-ai` launcher: loads the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../router-core/cli/main.ts');
const code = await cli(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
