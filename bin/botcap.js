#!/usr/bin/env node
// botcap is written in TypeScript and runs through tsx, so `npx botcap` works straight from a clone.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
