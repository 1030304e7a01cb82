import { processIo } from '../platform/node/process-io.js';
import { main } from './main.js';

/** The entry point of `bin/p2psip`. */
const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
