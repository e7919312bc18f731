/**
 * `npm run test:hardening`: bad input, load, faults and a privacy audit
 * against a real MoodReel. Prints a table of what was tried and what held,
 * the findings for src/, and last one JSON line:
 *   {"inputsTried","crashes","users","seconds","ratingsLost","faultsInjected","faultsSurvived"}
 * Exits 1 when anything did not hold.
 *
 *   options: --seed 42 --fuzz 500 --soak-seconds 60 --users 200
 *            --only fuzz-core,privacy  --skip soak,kill  --pg off
 *   sections: fuzz-core fuzz-telegram soak kill lifecycle db-down api-faults retrain privacy multi
 */
import { parseArgs } from 'node:util';
import { runHardening, SECTIONS, type SectionName } from './hardening.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    fuzz: { type: 'string', default: '500' },
    'soak-seconds': { type: 'string', default: '60' },
    users: { type: 'string', default: '200' },
    only: { type: 'string' },
    skip: { type: 'string' },
    pg: { type: 'string', default: process.env.MOODREEL_TEST_PG === 'off' ? 'off' : 'on' },
  },
});

const list = (s: string | undefined): SectionName[] => {
  const names = (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`unknown section "${n}" (known: ${SECTIONS.join(', ')})`);
  return names as SectionName[];
};
const only = list(args.only);
const skip = new Set(list(args.skip));
const sections = new Set((only.length ? only : [...SECTIONS]).filter((s) => !skip.has(s)));
const number = (name: string, value: string | undefined, min: number) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
};

const report = await runHardening({
  seed: number('seed', args.seed, 0),
  fuzz: number('fuzz', args.fuzz, 0),
  soakSeconds: number('soak-seconds', args['soak-seconds'], 5),
  users: number('users', args.users, 1),
  sections,
  pg: args.pg !== 'off',
  progress: (line) => process.stderr.write(`${line}\n`),
});
console.log('MoodReel hardening: bad input, load, faults, privacy audit');
console.log(report.render());
process.exit(report.allHeld ? 0 : 1);
