// The training procedure behind `npm run amd:train`, on a tiny synthetic set:
// deterministic (same clips, same model file byte for byte) and producing a
// model the detector accepts.
import { describe, expect, it } from 'vitest';
import { ModelAmdDetector, parseAmdModel } from '../../../media-node/src/amd/index.ts';
import { assignFolds, trainAmdModel, type TrainingClip } from '../../../scripts/amd/train-model.ts';
import { buzz, concat, frames, silence, speech } from './signals.ts';

function tinySet(): TrainingClip[] {
  const clips: TrainingClip[] = [];
  for (let i = 0; i < 8; i++) {
    clips.push({ id: `h${i}`, label: 'HUMAN', pcm: concat(silence(200 + i * 150), buzz(400 + i * 60), silence(5000)) });
    clips.push({ id: `m${i}`, label: 'MACHINE', pcm: concat(silence(300 + i * 100), speech(4000 + i * 300), silence(3000)) });
  }
  return clips;
}

describe('AMD model training', () => {
  const options = { boost: { trees: 8 }, folds: 2, schedule: { evaluateEveryMs: 200, firstDecisionMs: 400, lastDecisionMs: 4000 } };

  it('gives the same model file from the same clips', () => {
    const a = JSON.stringify(trainAmdModel(tinySet(), options).file);
    const b = JSON.stringify(trainAmdModel(tinySet().reverse(), options).file);
    expect(a).toBe(b);
  });

  it('writes a model the detector loads and decides with', () => {
    const { file } = trainAmdModel(tinySet(), options);
    const model = parseAmdModel(JSON.stringify(file));
    expect(model.training).toMatchObject({ clips: 16, humans: 8, machines: 8 });
    const d = new ModelAmdDetector({}, model);
    let decided = null;
    for (const f of frames(concat(silence(300), buzz(500), silence(5000)))) {
      const o = d.pushFrame(f);
      if (o?.kind === 'decision') decided = o.answeredBy;
    }
    expect(decided).not.toBeNull();
  });

  it('balances folds, the largest group first into the lightest fold', () => {
    const folds = assignFolds(['us', 'us', 'us', 'us', 'gb', 'gb', 'sc', 'sc', 'cl', 'cl'], 3);
    expect(folds).toEqual([0, 0, 0, 0, 2, 2, 1, 1, 1, 1]);
  });

  it('crosses groupings: every clip gets out-of-fold probabilities from trees that heard neither of its groups', () => {
    const clips = tinySet().map((c, i) => ({ ...c, group: [`accent${i % 3}`, `variant${i % 4}`] }));
    const { replays, file } = trainAmdModel(clips, { ...options, folds: [3, 2] });
    expect(file.training.folds).toEqual([3, 2]);
    for (const r of replays) expect(r.probabilities.length).toBe(r.trace.points.length);
  });
});
