import { describe, expect, it } from 'vitest';
import { RecognitionGate } from '../../../src/recognition/recognition-gate.ts';

const classes = ['squat', 'push-up', 'plank', 'none'];
const p = (probs: Partial<Record<string, number>>): number[] => classes.map((c) => probs[c] ?? 0);

describe('RecognitionGate', () => {
  it('adopts a label when 2 of the last 3 predictions give it > 0.6 (seed rule)', () => {
    const g = new RecognitionGate(classes, ['none']);
    expect(g.update(p({ squat: 0.7, plank: 0.3 })).label).toBeNull();
    const d = g.update(p({ squat: 0.65, plank: 0.35 }));
    expect(d).toMatchObject({ state: 'active', label: 'squat' });
    expect(d.confidence).toBeGreaterThan(0.6);
  });

  it('does not flicker: alternating labels never switch, a single outlier does not drop the label', () => {
    const g = new RecognitionGate(classes, ['none']);
    for (let i = 0; i < 6; i++) expect(g.update(i % 2 ? p({ squat: 0.7, 'push-up': 0.3 }) : p({ 'push-up': 0.7, squat: 0.3 })).label).toBeNull();
    const h = new RecognitionGate(classes, ['none']);
    h.update(p({ squat: 0.9 }));
    h.update(p({ squat: 0.9 }));
    expect(h.update(p({ 'push-up': 0.9, squat: 0.1 })).label).toBe('squat');
    expect(h.update(p({ squat: 0.8, 'push-up': 0.2 })).label).toBe('squat');
  });

  it('ignores predictions under the 0.3 acceptance threshold, and confirms only above 0.6', () => {
    const g = new RecognitionGate(classes, ['none']);
    for (let i = 0; i < 5; i++) expect(g.update(p({ squat: 0.28, 'push-up': 0.27, plank: 0.25, none: 0.2 })).state).toBe('unknown');
    for (let i = 0; i < 5; i++) expect(g.update(p({ squat: 0.55, plank: 0.45 })).label).toBeNull();
  });

  it('reports idle (no label) while the idle class wins, and switches exercise afterwards', () => {
    const g = new RecognitionGate(classes, ['none']);
    g.update(p({ squat: 0.9 }));
    g.update(p({ squat: 0.9 }));
    g.update(p({ none: 0.8, squat: 0.2 }));
    const idle = g.update(p({ none: 0.85, squat: 0.15 }));
    expect(idle).toEqual({ state: 'idle', label: null, confidence: 0 });
    g.update(p({ 'push-up': 0.9 }));
    expect(g.update(p({ 'push-up': 0.9 })).label).toBe('push-up');
  });

  it('drops the label when its smoothed probability stays under 0.3, and goes unknown when nobody is in view', () => {
    const g = new RecognitionGate(classes, ['none']);
    g.update(p({ squat: 0.9 }));
    g.update(p({ squat: 0.9 }));
    let d = g.decision;
    for (let i = 0; i < 6; i++) d = g.update(p({ squat: 0.05, 'push-up': 0.35, plank: 0.35, none: 0.25 }));
    expect(d.state).toBe('unknown');
    const h = new RecognitionGate(classes, ['none']);
    h.update(p({ plank: 0.9 }));
    h.update(p({ plank: 0.9 }));
    h.update(null);
    h.update(null);
    expect(h.decision.label).toBe('plank');
    expect(h.update(null)).toEqual({ state: 'unknown', label: null, confidence: 0 });
  });
});
