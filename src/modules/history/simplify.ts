/**
 * Douglas–Peucker line simplification (our own few lines): keeps a line's ends and, recursively, the point
 * farthest from the chord while it is farther than `tolerance` (in degrees, planar: shapes are small).
 */
import type { Position } from './geo-types.ts';

function distanceToSegment(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** The farthest point of line[from+1..to-1] from the chord from..to, and its distance. */
function farthest(line: Position[], from: number, to: number): [number, number] {
  let index = -1;
  let max = -1;
  for (let i = from + 1; i < to; i++) {
    const d = distanceToSegment(line[i]!, line[from]!, line[to]!);
    if (d > max) [index, max] = [i, d];
  }
  return [index, max];
}

/** The line simplified (never below `min` points: 2 for a line, 4 for a ring, whose ends are the same point). */
export function simplifyLine(line: Position[], tolerance: number, min: number): Position[] {
  if (line.length <= min) return line;
  const keep = new Uint8Array(line.length);
  keep[0] = 1;
  keep[line.length - 1] = 1;
  // A ring's ends are one point: split it at the point farthest from its start, so the chord is not empty.
  const stack: [number, number][] = [];
  if (min >= 4) {
    const [mid] = farthestFromStart(line);
    keep[mid] = 1;
    stack.push([0, mid], [mid, line.length - 1]);
  } else stack.push([0, line.length - 1]);
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    const [i, d] = farthest(line, from, to);
    if (i < 0 || d <= tolerance) continue;
    keep[i] = 1;
    stack.push([from, i], [i, to]);
  }
  const out = line.filter((_, i) => keep[i] === 1);
  return out.length >= min ? out : line.slice(0, min - 1).concat([line[line.length - 1]!]);
}

function farthestFromStart(line: Position[]): [number, number] {
  let index = 1;
  let max = -1;
  for (let i = 1; i < line.length - 1; i++) {
    const d = Math.hypot(line[i]![0] - line[0]![0], line[i]![1] - line[0]![1]);
    if (d > max) [index, max] = [i, d];
  }
  return [index, max];
}

/**
 * Every part simplified with the smallest tolerance that brings the total under `cap` points (a bisection over
 * the tolerance, about twenty passes). Parts are lines (`min` 2) or rings (`min` 4).
 */
export function simplifyToFit(parts: { line: Position[]; min: number }[], cap: number): Position[][] {
  const count = (tol: number) => parts.map((p) => simplifyLine(p.line, tol, p.min));
  const total = (lines: Position[][]) => lines.reduce((n, l) => n + l.length, 0);
  let lo = 0;
  let hi = 1;
  while (total(count(hi)) > cap && hi < 360) hi *= 2;
  let best = count(hi);
  for (let pass = 0; pass < 24; pass++) {
    const mid = (lo + hi) / 2;
    const lines = count(mid);
    if (total(lines) > cap) lo = mid;
    else [hi, best] = [mid, lines];
  }
  return best;
}
