/**
 * The committed default model on real clips' landmark sequences (extracted by our own pose
 * pipeline into .cache/landmarks). These clips were part of its training data, so this is a
 * sanity check of the shipped model and the live path (buffer → classifier → gate), not a
 * measure of generalisation — that is eval-recognition's leave-one-source-out number.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landmarkCachePath, readManifest } from '../../../scripts/clips-manifest.ts';
import { ExerciseClassifier } from '../../../src/recognition/exercise-classifier.ts';
import { FeatureWindowBuffer, type PoseFrame } from '../../../src/recognition/feature-window.ts';
import { RecognitionGate } from '../../../src/recognition/recognition-gate.ts';
import { HAS_SHARED, SKIP_SHARED_REASON } from '../../helpers/shared.ts';

const CLIPS = [
  'clips/MrPose/squat2_552dddf.mp4',
  'clips/cs231n-pushfit/correct/correct99.mp4',
  'clips/computervision-kaiakol/data/videos/jumpingjack_correct_001.mp4',
  'clips/BE-Project-Exercise-Pose/sample_front_raise.mp4',
  'clips/computervision-kaiakol/data/plank/correct/plank_correct_005.mp4',
];
const cached = HAS_SHARED && CLIPS.every((c) => existsSync(landmarkCachePath(c)));
const reason = HAS_SHARED ? 'landmark cache missing (.cache/landmarks): run `npm run extract`' : SKIP_SHARED_REASON;
if (!cached) console.warn(`[skip] recognition on real clips: ${reason}`);

describe.skipIf(!cached)('default model on real clips', () => {
  let classifier: ExerciseClassifier;
  const labels = new Map((readManifest() ?? []).map((c) => [c.file, c.label]));

  beforeAll(async () => {
    classifier = await ExerciseClassifier.load();
  });
  afterAll(() => classifier.close());

  it.each(CLIPS)('%s is recognised as its manifest label', (clip) => {
    const json = JSON.parse(readFileSync(landmarkCachePath(clip), 'utf8')) as { width: number; height: number; frames: PoseFrame[] };
    const aspect = json.width / json.height;
    const buffer = new FeatureWindowBuffer(classifier.metadata.input);
    const gate = new RecognitionGate(classifier.classes, classifier.metadata.idleClasses);
    const seen = new Map<string, number>();
    let last = -Infinity;
    for (const f of json.frames) {
      buffer.push({ ...f, aspect });
      if (f.t - last < 0.2) continue;
      last = f.t;
      const w = buffer.window();
      const d = gate.update(w ? classifier.predict(w) : null);
      if (d.label) seen.set(d.label, (seen.get(d.label) ?? 0) + 1);
    }
    const top = [...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(top).toBe(labels.get(clip));
  });
});
