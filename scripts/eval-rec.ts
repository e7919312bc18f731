/**
 * Offline evaluation of MoodReel's CF model against the baselines.
 *
 *   npm run eval:rec -- [--data <MovieLens dir>] [--limit-users N] [--seed 42] [--tune]
 *                       [--rank-weights 0,0.01,0.02] [--cf-options '{"mf":{"l2":0.1}}']
 *
 * - Ratings: a random 90/10 split (seeded); RMSE and MAE on the 10%.
 * - Ranking: each user's newest 20% of ratings is the test set; every item the
 *   user did not rate in train is a candidate; relevant = test items rated
 *   >= 4.0 (liked, not merely watched). NDCG@10, Recall@10, MAP@10 over users
 *   with at least one relevant item; catalogue coverage and novelty of the lists.
 * - `--tune` replaces both test sets with the same kind of cut taken from the
 *   training part (a validation slice), so hyperparameters can be chosen with
 *   no test rating in sight. `--rank-weights` (with or without --tune) ranks
 *   the model for each given EASE/rating weight, to pick `rankRatingWeight`.
 *   `--cf-options` overrides the CF model's options (JSON), for tuning with --tune.
 *
 * Prints a table, then one JSON line:
 * {"model":{"rmse","mae","ndcg10","recall10","map10","coverage","novelty"},"baselines":{"globalMean":{...},...}}
 */
import { evaluateRanking, evaluateRatings } from '../src/core/recommender/evaluation/evaluate.js';
import { randomSplit, temporalUserSplit } from '../src/core/recommender/evaluation/splitters.js';
import { loadMovieLensRatings } from '../src/infra/recommender/movielens-ratings.loader.js';
import { CfScorer, type CfOptions } from '../src/infra/recommender/cf.scorer.js';
import { DEFAULT_DATA_DIR, limitUsers, log, MODEL_NAMES, parseArgs, printTable, rankFn, round4, trainScorer, type ModelName } from './lib/rec-eval.js';

const args = parseArgs(process.argv.slice(2), {
  data: 'string',
  'limit-users': 'number',
  seed: 'number',
  tune: 'flag',
  'rank-weights': 'string',
  'cf-options': 'string',
});
const dataDir = (args['data'] as string | undefined) ?? DEFAULT_DATA_DIR;
const seed = (args['seed'] as number | undefined) ?? 42;
const tune = args['tune'] === true;
const rankWeights = typeof args['rank-weights'] === 'string' ? args['rank-weights'].split(',').map(Number) : [];
const cfOptions = typeof args['cf-options'] === 'string' ? (JSON.parse(args['cf-options']) as Partial<CfOptions>) : {};

const all = limitUsers(await loadMovieLensRatings(dataDir), args['limit-users'] as number | undefined);
log(`${all.length} ratings from ${dataDir}${tune ? ' (tune mode: test sets are validation slices of the training part)' : ''}`);

const outerRandom = randomSplit(all, 0.1, seed);
const ratingSplit = tune ? randomSplit(outerRandom.train, 0.1, seed + 1) : outerRandom;
const outerTemporal = temporalUserSplit(all, 0.2);
const rankingSplit = tune ? temporalUserSplit(outerTemporal.train, 0.2) : outerTemporal;

interface Row {
  rmse: number;
  mae: number;
  ndcg10: number;
  recall10: number;
  map10: number;
  coverage: number;
  novelty: number;
}
const results = new Map<ModelName, Row>();
const table: Record<string, string | number>[] = [];

for (const name of MODEL_NAMES) {
  log(`${name}: training on ${ratingSplit.train.length} ratings (random split)`);
  const rated = await trainScorer(name, ratingSplit.train, seed, cfOptions);
  const ratings = evaluateRatings(rated.scorer.score.bind(rated.scorer), ratingSplit.train, ratingSplit.test);
  if (rated.scorer instanceof CfScorer) log(`  cf report ${JSON.stringify(rated.scorer.report)}`);
  log(`${name}: training on ${rankingSplit.train.length} ratings (temporal split)`);
  const ranked = await trainScorer(name, rankingSplit.train, seed, cfOptions);
  const ranking = evaluateRanking(rankFn(ranked.scorer), rankingSplit.train, rankingSplit.test, { k: 10, relevantThreshold: 4 });
  if (ranked.scorer instanceof CfScorer) {
    for (const w of rankWeights) {
      ranked.scorer.options = { ...ranked.scorer.options, rankRatingWeight: w };
      const m = evaluateRanking(rankFn(ranked.scorer), rankingSplit.train, rankingSplit.test, { k: 10, relevantThreshold: 4 });
      log(`  rankRatingWeight ${w}: ndcg10 ${m.ndcg.toFixed(4)} recall10 ${m.recall.toFixed(4)} map10 ${m.map.toFixed(4)} coverage ${m.coverage.toFixed(4)}`);
    }
  }
  const row: Row = {
    rmse: ratings.rmse,
    mae: ratings.mae,
    ndcg10: ranking.ndcg,
    recall10: ranking.recall,
    map10: ranking.map,
    coverage: ranking.coverage,
    novelty: ranking.novelty,
  };
  results.set(name, row);
  table.push({ model: name, ...row, unscored: ratings.unscored, trainSec: rated.seconds, users: ranking.users });
}

printTable(table);
const pick = (r: Row) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round4(v)]));
const baselines = Object.fromEntries(MODEL_NAMES.filter((n) => n !== 'model').map((n) => [n, pick(results.get(n)!)]));
console.log(JSON.stringify({ model: pick(results.get('model')!), baselines }));
