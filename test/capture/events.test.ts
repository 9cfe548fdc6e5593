import { describe, expect, it } from 'vitest';
import { CAPTURE_ANOMALIES, CaptureAnomaly, captureAnomalyCounts, newCaptureAnomalyCounters } from '../../src/capture/events.js';

describe('capture anomaly table', () => {
  it('names are unique, prefixed capture., and slot 0 is capture.none', () => {
    expect(new Set(CAPTURE_ANOMALIES).size).toBe(CAPTURE_ANOMALIES.length);
    expect(CAPTURE_ANOMALIES.every((n) => /^capture\.[a-z0-9_]+$/.test(n))).toBe(true);
    expect(CAPTURE_ANOMALIES[0]).toBe('capture.none');
  });

  it('CaptureAnomaly maps each short name to its index', () => {
    for (const [i, name] of CAPTURE_ANOMALIES.entries()) {
      expect((CaptureAnomaly as Record<string, number>)[name.slice('capture.'.length)]).toBe(i);
    }
  });

  it('captureAnomalyCounts lists only non-zero counters, by name', () => {
    const c = newCaptureAnomalyCounters();
    c[CaptureAnomaly.unknown_interface]! += 3;
    expect(captureAnomalyCounts(c)).toEqual({ 'capture.unknown_interface': 3 });
  });
});
