import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { createFaceMoodDetector } from '../../../src/infra/mood/face-mood.detector.js';
import { createFaceWorkerDetector, type FaceWorkerDetector } from '../../../src/infra/mood/face-worker.detector.js';
import { DATA_DIR } from '../../helpers/data.js';

const sample = (name: string) => new Uint8Array(readFileSync(path.join(DATA_DIR, 'faces', 'samples', name)));
/** Nice value of each thread of this process (Linux), read from /proc. */
const threadNices = (): number[] =>
  readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
const limits = { modelDir: 'models/face-expression', maxBytes: 10e6, maxPixels: 40e6 };

describe('face detection in a worker thread', () => {
  const open: FaceWorkerDetector[] = [];
  const detector = (options: Partial<Parameters<typeof createFaceWorkerDetector>[0]> = {}) => {
    const d = createFaceWorkerDetector({ ...limits, ...options });
    open.push(d);
    return d;
  };
  afterAll(async () => Promise.all(open.map((d) => d.close())));

  it('given a selfie, answers what the in-process detector answers', async () => {
    const worker = detector();
    const local = await createFaceMoodDetector({ modelDir: limits.modelDir });
    const photo = sample('happy.jpg');
    const [remote, here] = [await worker.detect(photo), await local.detect(photo)];
    expect(remote.faces.length).toBe(1);
    expect(remote.group?.label).toBe('joy');
    expect(remote.faces[0]!.box.width).toBeCloseTo(here.faces[0]!.box.width, 6);
    expect(remote.group!.distribution.joy).toBeCloseTo(here.group!.distribution.joy, 6);
    expect(worker.pending).toBe(0);
  }, 60_000);

  it.runIf(existsSync('/proc/self/task'))('given a started worker, runs it at the process\'s own priority, so outside load cannot starve photos', async () => {
    const before = threadNices();
    const worker = detector();
    await worker.warmUp();
    const after = threadNices();
    expect(after.length).toBeGreaterThan(before.length);
    expect(Math.max(...after)).toBeLessThanOrEqual(getPriority(process.pid)); // the main thread's nice
    await expect(worker.detect(sample('happy.jpg'))).resolves.toMatchObject({ faces: [expect.anything()] });
  }, 60_000);

  it('given bytes that are not an image, refuses them before the worker with a UserError', async () => {
    const error = await detector().detect(new TextEncoder().encode('not a photo at all')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toMatch(/^image_/);
  });

  it('given a photo past the time limit, fails it clearly and answers the next one with a new worker', async () => {
    const slow = detector({ timeoutMs: 1 });
    await expect(slow.detect(sample('sad.jpg'))).rejects.toThrow(/did not finish within 1 ms/);
    expect(slow.pending).toBe(0);
    const ok = detector();
    await ok.warmUp();
    await expect(ok.detect(sample('sad.jpg'))).resolves.toMatchObject({ faces: [expect.anything()] });
  }, 60_000);

  it('given a missing model folder, says so on warm-up and on the photo', async () => {
    const broken = detector({ modelDir: '/nonexistent/face-model' });
    await expect(broken.warmUp()).rejects.toThrow(/face models did not load/);
    await expect(broken.detect(sample('happy.jpg'))).rejects.toThrow();
  }, 60_000);

  it('given close, refuses further photos', async () => {
    const d = detector();
    await d.close();
    await expect(d.detect(sample('happy.jpg'))).rejects.toThrow(/closed/);
  });
});
