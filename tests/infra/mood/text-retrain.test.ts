import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import pino from 'pino';
import { latestTextRetrain, TextModelRegistry } from '../../../src/infra/mood/text-model.registry.js';
import { buildCandidate, DEFAULT_RETRAIN, isHeldOut, pairedChange, type RetrainSettings } from '../../../src/infra/mood/text-retrain.candidate.js';
import { createTextRetrainRuntime, retrainText, TextRetrainStoppedError, type BuildCandidateFn } from '../../../src/infra/mood/text-retrain.job.js';
import { createTextMoodDetector } from '../../../src/infra/mood/text-mood.detector.js';
import { writeTinyData, writeTinyModel, zorpDonations } from './text-retrain.fixture.js';

const { onnx } = onnxProto;
const logger = pino({ level: 'silent' });
const inThread: BuildCandidateFn = (input) => buildCandidate(input);
const settings: Partial<RetrainSettings> = { minDonated: 10, shippedSample: 1000 };

const heldOutOf = <T extends { text: string }>(rows: readonly T[]): T[] => rows.filter((d) => isHeldOut(d.text, DEFAULT_RETRAIN, 42));

let root: string;
let shipped: string;
let data: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'moodreel-text-retrain-'));
  shipped = writeTinyModel(path.join(root, 'shipped'));
  data = writeTinyData(path.join(root, 'data'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fresh(name: string): TextModelRegistry {
  return new TextModelRegistry(path.join(root, name), { logger });
}

describe('pairedChange (the promotion margins)', () => {
  it('tolerates a net loss of one sentence, or two standard errors of the paired difference, on the not-worse sets', () => {
    const zeros = new Array<number>(10).fill(0);
    const losing = (k: number) => zeros.map((_, i) => (i < k ? 1 : 0));
    expect(pairedChange(zeros, zeros, losing(1), false)).toMatchObject({ lost: 1, won: 0, margin: 2, pass: true });
    expect(pairedChange(zeros, zeros, losing(4), false)).toMatchObject({ lost: 4, won: 0, margin: 4, pass: true });
    expect(pairedChange(zeros, zeros, losing(5), false)).toMatchObject({ lost: 5, won: 0, pass: false });
  });
  it('requires a strict gain on the held-out donated sentences', () => {
    expect(pairedChange([0, 0], [1, 1], [1, 1], true).pass).toBe(false);
    expect(pairedChange([0, 0], [1, 1], [0, 1], true).pass).toBe(true);
  });
});

describe('retrainText', () => {
  it('given donated sentences that correct a word, fine-tunes, improves the held-out donated sentences and promotes', async () => {
    const registry = fresh('promote');
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('promoted');
    if (result.status !== 'promoted') return;
    const r = result.record;
    expect(r.before.heldOut).toBeLessThan(r.after.heldOut);
    expect(r.after.heldOut).toBe(1);
    expect(r.heldOut.n).toBeGreaterThan(0);
    expect(r.margins.chatDev.pass && r.margins.dairAiVal.pass).toBe(true);
    expect(await registry.currentVersion()).toBe(r.version);
    // retrain.json and last-run.json carry the same record, and no donated sentence.
    const file = readFileSync(path.join(registry.versionDir(r.version), 'retrain.json'), 'utf8');
    expect(JSON.parse(readFileSync(registry.lastRunPath, 'utf8'))).toEqual(JSON.parse(file));
    expect(await latestTextRetrain(path.join(root, 'promote'))).toEqual(JSON.parse(file));
    expect(await latestTextRetrain(path.join(root, 'nothing-yet'))).toBeNull();
    const folderText = ['retrain.json', 'moodreel.json', 'config.json'].map((f) => readFileSync(path.join(registry.versionDir(r.version), f), 'utf8')).join('\n');
    expect(folderText).not.toContain('zorp');
  });

  it('given a promoted version, the served pipeline scores the held-out sentences and chat-dev as retrain.json says (the written graph matches)', async () => {
    const registry = fresh('parity');
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('promoted');
    if (result.status !== 'promoted') return;
    const served = await registry.servingFolder(shipped);
    expect(served.version).toBe(result.record.version);
    const chatDev = readFileSync(path.join(data, 'chat-dev.txt'), 'utf8').trim().split('\n').map((l) => l.split(';') as [string, string]);
    const accuracyOf = async (folder: string, rows: readonly (readonly [string, string])[]) => {
      const detector = await createTextMoodDetector({ model: folder });
      const read = await detector.detectBatch(rows.map(([t]) => t));
      return read.filter((r, i) => r.label === rows[i]![1]).length / rows.length;
    };
    const held = heldOutOf(zorpDonations(40)).map((d) => [d.text, d.label] as const);
    expect(await accuracyOf(served.folder, held)).toBe(result.record.after.heldOut);
    expect(await accuracyOf(shipped, held)).toBe(result.record.before.heldOut);
    expect(await accuracyOf(served.folder, chatDev)).toBe(result.record.after.chatDev);
  });

  it('given a run that makes chat-dev worse, keeps the serving model', async () => {
    const registry = fresh('worse');
    const worseData = writeTinyData(path.join(root, 'data-zorp-joy'), { chatDevZorpJoy: true });
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: worseData, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('rejected');
    if (result.status !== 'rejected') return;
    expect(result.record.reason).toBe('worse_on_eval');
    expect(result.record.margins.chatDev.lost).toBeGreaterThan(result.record.margins.chatDev.margin);
    expect(result.record.after.heldOut).toBeGreaterThan(result.record.before.heldOut);
    expect(await registry.currentVersion()).toBeNull();
    expect((await registry.servingFolder(shipped)).folder).toBe(shipped);
  });

  it('given a missing data folder, fails clearly and keeps the serving model and no half-written version', async () => {
    const registry = fresh('missing');
    const first = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(first.status).toBe('promoted');
    const serving = await registry.currentVersion();
    const before = await registry.versions();
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: path.join(root, 'nowhere'), loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('failed');
    if (result.status === 'failed') expect(result.error).toMatch(/not found/);
    expect(await registry.currentVersion()).toBe(serving);
    expect(await registry.versions()).toEqual(before);
  });

  it('given a corrupt chat-dev file, fails with its line number and keeps the serving model', async () => {
    const registry = fresh('corrupt');
    const corrupt = writeTinyData(path.join(root, 'data-corrupt'));
    writeFileSync(path.join(corrupt, 'chat-dev.txt'), 'this line has no label\n');
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: corrupt, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/chat-dev\.txt:1/) });
    expect(await registry.currentVersion()).toBeNull();
    expect(await registry.versions()).toEqual([]);
  });

  it('given another process running a retrain (the lock is held), skips; a stale lock is taken over', async () => {
    const registry = fresh('locked');
    const release = await registry.lock(60_000);
    expect(release).not.toBeNull();
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result).toEqual({ status: 'skipped', reason: 'another run is in progress' });
    expect(await registry.lock(0)).not.toBeNull();
  });

  it('given a graph whose logits are not the average of its members (a structure this code does not know), fails instead of training', async () => {
    const registry = fresh('odd-graph');
    const odd = path.join(root, 'odd-model');
    cpSync(shipped, odd, { recursive: true });
    const file = path.join(odd, 'onnx', 'model.onnx');
    const model = onnx.ModelProto.decode(readFileSync(file));
    const inv = model.graph!.initializer!.find((t) => t.name === 'inv_members')!;
    inv.rawData = new Uint8Array(new Float32Array([0.7]).buffer);
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    const result = await retrainText({ shippedModel: odd, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/not the average of its members/) });
    expect(await registry.versions()).toEqual([]);
  });

  it('given a shipped folder caught mid-replacement (config and tokenizer disagree), fails and keeps the serving model', async () => {
    const registry = fresh('torn');
    const torn = path.join(root, 'torn-model');
    cpSync(shipped, torn, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(torn, 'config.json'), 'utf8')) as object;
    writeFileSync(path.join(torn, 'config.json'), JSON.stringify({ ...config, vocab_size: 99_999 }));
    const result = await retrainText({ shippedModel: torn, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/inconsistent/) });
    expect(await registry.currentVersion()).toBeNull();
    expect(await registry.versions()).toEqual([]);
  });

  it('given too few donated sentences, skips without writing anything', async () => {
    const registry = fresh('few');
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(3), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('skipped');
    expect(existsSync(registry.dir)).toBe(false);
  });

  it('in a child process: promotes as in-thread, and a run past its time limit times out and leaves nothing', async () => {
    const registry = fresh('worker');
    const timedOut = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 5, settings });
    expect(timedOut.status).toBe('timeout');
    expect(await registry.versions()).toEqual([]);
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 120_000, settings });
    expect(result.status).toBe('promoted');
  }, 150_000);
});

describe('createTextRetrainRuntime (the schedule)', () => {
  it('given a run in progress, joins it; stop() ends it as skipped and leaves no version', async () => {
    const registry = fresh('runtime');
    const build: BuildCandidateFn = (_input, limits) => new Promise((_resolve, reject) => limits.signal?.addEventListener('abort', () => reject(new TextRetrainStoppedError())));
    const runtime = createTextRetrainRuntime({ cron: 'off', shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build });
    runtime.startSchedule();
    const first = runtime.retrain();
    expect(runtime.retrain()).toBe(first);
    await new Promise((r) => setTimeout(r, 50));
    await runtime.stop();
    expect(await first).toEqual({ status: 'skipped', reason: 'stopped by shutdown' });
    expect(await registry.versions()).toEqual([]);
  });
});

describe('hot reload of the text detector', () => {
  it('given a promotion and a rollback, the running detector picks each up without a restart and no turn fails during the swap', async () => {
    const registry = fresh('reload');
    const detector = await createTextMoodDetector({
      model: shipped,
      reload: { watchFile: registry.pointerPath, resolveFolder: async () => (await registry.servingFolder(shipped)).folder, checkEveryMs: 0, logger },
    });
    const probe = heldOutOf(zorpDonations(40))[0]!.text;
    expect((await detector.detect(probe)).label).toBe('joy');
    expect(await detector.checkForUpdate()).toBe(false);
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('promoted');
    // Turns keep coming while the new model loads: every one answers, old model or new.
    const turns = Array.from({ length: 30 }, () => detector.detect(probe));
    const swapped = await detector.checkForUpdate();
    const labels = (await Promise.all(turns)).map((r) => r.label);
    expect(swapped).toBe(true);
    expect(labels.every((l) => l === 'joy' || l === 'fear')).toBe(true);
    expect(detector.servingFrom()).toBe(registry.versionDir(await registry.currentVersion() ?? ''));
    expect((await detector.detect(probe)).label).toBe('fear');
    await registry.rollback();
    expect(await detector.checkForUpdate()).toBe(true);
    expect(detector.servingFrom()).toBe(shipped);
    expect((await detector.detect(probe)).label).toBe('joy');
  });

  it('given a current version built on another shipped model, serves the shipped one', async () => {
    const registry = fresh('other-base');
    const result = await retrainText({ shippedModel: shipped, registry, dataDir: data, loadDonated: async () => zorpDonations(40), logger, timeoutMs: 60_000, settings, build: inThread });
    expect(result.status).toBe('promoted');
    const otherShipped = writeTinyModel(path.join(root, 'shipped-2'));
    writeFileSync(path.join(otherShipped, 'onnx', 'model.onnx'), Buffer.concat([readFileSync(path.join(otherShipped, 'onnx', 'model.onnx')), Buffer.from([0])]));
    expect((await registry.servingFolder(otherShipped)).version).toBeNull();
  });
});
