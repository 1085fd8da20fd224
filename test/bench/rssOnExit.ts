// Preloaded into a process the benchmark times (node --require): its peak resident memory, on stderr at exit.
import * as fs from 'node:fs';

process.on('exit', () => fs.writeSync(2, `\ncellflow-bench-maxrss-kb ${process.resourceUsage().maxRSS}\n`));
