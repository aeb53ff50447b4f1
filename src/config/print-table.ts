import { configTable } from './describe.js';

// `npm run docs:config` prints the table that README.md carries; a test keeps them equal.
process.stdout.write(`${configTable()}\n`);
