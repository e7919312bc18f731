/**
 * Which corpora make the text model better on chat? Trains one network per source mix
 * (dair-ai alone, dair-ai plus each other source, everything) with the same seed and
 * settings, and reports the model's accuracy on chat-dev and on every source's dev split.
 *
 *   npm run ablate:text -- --data ../shared/data/text-emotion [--members 1] [--epochs 6] [--mixes "dair-ai;dair-ai,meld"]
 *
 * Prints a table and a final JSON line. Nothing is written to models/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { argmax } from './lib/text-metrics.js';
import { parseSourceList, SOURCE_NAMES, TEXT_LABELS, type SourceName } from './lib/text-sources.js';
import { buildCorpus, corpusFromArgs, ekmanFigures, figures, netFromArgs, pretrainedFor, trainWithTorch, TRAINING_OPTIONS } from './lib/text-training.js';
import { ensureTrainingPython } from './lib/training-python.js';
import { defaultTextDataDir } from './lib/text-paths.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: defaultTextDataDir() },
    ...TRAINING_OPTIONS,
    members: { type: 'string', default: '1' },
    epochs: { type: 'string', default: '5' },
    mixes: { type: 'string' },
    normalise: { type: 'string', default: 'on' },
    show: { type: 'string' },
  },
});

const others = SOURCE_NAMES.filter((s) => s !== 'dair-ai');
const mixes: SourceName[][] = args.mixes
  ? String(args.mixes).split(';').map(parseSourceList)
  : [['dair-ai'], ...others.map((s): SourceName[] => ['dair-ai', s]), [...SOURCE_NAMES]];
const net = netFromArgs(args);
const seed = net.seed;
const corpusOptions = corpusFromArgs(args);
const pretrained = pretrainedFor(net);
const python = ensureTrainingPython(args.python);
const columns = ['chat-dev', ...SOURCE_NAMES, 'goemotions-ekman'] as const;

interface MixRow {
  readonly mix: string;
  readonly trainRows: number;
  readonly seconds: number;
  readonly accuracy: Record<string, number>;
  readonly macroF1: Record<string, number>;
}
const rows: MixRow[] = [];
for (const mix of mixes) {
  const corpus = buildCorpus({ ...corpusOptions, dataDir: path.resolve(String(args.data)), sources: mix, normalise: args.normalise !== 'off', pretrained });
  const work = mkdtempSync(path.join(os.tmpdir(), 'moodreel-ablate-'));
  console.log(`\n== ${mix.join(' + ')}: ${corpus.train.ids.length} training rows, vocabulary ${corpus.vocab.tokens.length}`);
  try {
    const result = await trainWithTorch(corpus, mix, net, work, python);
    const accuracy: Record<string, number> = {};
    const macro: Record<string, number> = {};
    for (const set of corpus.evals) {
      const pred = result.evalProbs[set.name]!.map((p) => argmax(p));
      const f = figures(set.labels, pred);
      accuracy[set.name] = f.accuracy;
      if (set.name === args.show) {
        set.labels.forEach((l, i) => {
          if (pred[i] !== l) console.log(`  ${TEXT_LABELS[l]} -> ${TEXT_LABELS[pred[i]!]}: ${set.rawTexts[i]}`);
        });
      }
      macro[set.name] = f.macroF1;
      if (set.name === 'goemotions') {
        const e = ekmanFigures(set.labels, pred);
        accuracy['goemotions-ekman'] = e.accuracy;
        macro['goemotions-ekman'] = e.macroF1;
      }
    }
    rows.push({ mix: mix.join('+'), trainRows: corpus.train.ids.length, seconds: result.seconds, accuracy, macroF1: macro });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const short = (c: string): string => c.replace('goemotions-ekman', 'goemo-ekman').replace('crowdflower', 'crowdfl').replace('dailydialog', 'dailydlg').replace('goemotions', 'goemo');
console.log(`\nmodel accuracy (arg-max over 7 labels) by training mix; ${net.members} member(s), seed ${seed}`);
console.log(['training mix'.padEnd(34), 'rows'.padStart(7), ...columns.map((c) => short(c).padStart(12))].join(''));
for (const r of rows) {
  console.log([r.mix.padEnd(34), String(r.trainRows).padStart(7), ...columns.map((c) => (r.accuracy[c] ?? 0).toFixed(3).padStart(12))].join(''));
}
console.log(JSON.stringify({ seed, members: net.members, epochs: net.maxEpochs, rows }));
