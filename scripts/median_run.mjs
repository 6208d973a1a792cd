// Prints the index of the median run among Lighthouse JSON reports, chosen by Lighthouse's own
// computeMedianRun (the run nearest the median first-contentful-paint and time-to-interactive),
// so scripts/audit.py judges a page the way Lighthouse's variability guide says to.
//     node scripts/median_run.mjs REPORT.json REPORT.json ...
import {readFileSync} from 'node:fs';
import {computeMedianRun} from '../node_modules/lighthouse/core/lib/median-run.js';

const runs = process.argv.slice(2).map(path => JSON.parse(readFileSync(path, 'utf8')));
process.stdout.write(`${runs.indexOf(computeMedianRun(runs))}\n`);
