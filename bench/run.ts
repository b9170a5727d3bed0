/**
 * `npm run bench`: runs the benchmark suite (bench/suite.ts), which writes
 * bench/results.md and prints a summary.
 *
 * The suite lives in its own module so that it can be imported without
 * running it; this file is only the program. (A `require.main === module`
 * test would not do: in an esbuild bundle `module` is the bundle's, so the
 * test is true in every module bundled into a program.)
 */
import { runProgram } from './common';
import { main } from './suite';

runProgram(main, 'benchmark failed');
