/**
 * Whether a polygon's rings cross themselves or each other (a bow tie, a figure eight): segments sorted by
 * their left end, each compared with those whose x-range overlaps it, so a long ring costs far less than every
 * pair. Touching at a shared vertex of neighbouring segments is not a crossing.
 */
import type { Position } from './geo-types.ts';

interface Segment {
  a: Position;
  b: Position;
  ring: number;
  index: number;
  ringLength: number;
  minX: number;
  maxX: number;
}

const orient = (p: Position, q: Position, r: Position) =>
  Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));

const onSegment = (p: Position, q: Position, r: Position) =>
  Math.min(p[0], r[0]) <= q[0] &&
  q[0] <= Math.max(p[0], r[0]) &&
  Math.min(p[1], r[1]) <= q[1] &&
  q[1] <= Math.max(p[1], r[1]);

function segmentsMeet(s: Segment, t: Segment): boolean {
  const [o1, o2, o3, o4] = [orient(s.a, s.b, t.a), orient(s.a, s.b, t.b), orient(t.a, t.b, s.a), orient(t.a, t.b, s.b)];
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(s.a, t.a, s.b)) ||
    (o2 === 0 && onSegment(s.a, t.b, s.b)) ||
    (o3 === 0 && onSegment(t.a, s.a, t.b)) ||
    (o4 === 0 && onSegment(t.a, s.b, t.b))
  );
}

/** Neighbours in one ring share a vertex by construction (the last and the first too). */
function neighbours(s: Segment, t: Segment): boolean {
  if (s.ring !== t.ring) return false;
  const d = Math.abs(s.index - t.index);
  return d === 1 || d === s.ringLength - 1;
}

function segmentsOf(rings: Position[][]): Segment[] {
  const out: Segment[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [a, b] = [ring[i]!, ring[i + 1]!];
      out.push({
        a,
        b,
        ring: r,
        index: i,
        ringLength: ring.length - 1,
        minX: Math.min(a[0], b[0]),
        maxX: Math.max(a[0], b[0]),
      });
    }
  });
  return out.sort((s, t) => s.minX - t.minX);
}

/** The first crossing among a polygon's rings, as the two rings' 1-based numbers, or undefined. */
export function findCrossing(rings: Position[][]): { ring: number; other: number } | undefined {
  const segments = segmentsOf(rings);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    for (let j = i + 1; j < segments.length && segments[j]!.minX <= s.maxX; j++) {
      const t = segments[j]!;
      if (neighbours(s, t)) {
        // Neighbours meet at their shared vertex; they cross only by folding back over each other.
        if (orient(s.a, s.b, t.a) === 0 && orient(s.a, s.b, t.b) === 0 && overlapBeyondVertex(s, t)) return pair(s, t);
        continue;
      }
      if (segmentsMeet(s, t)) return pair(s, t);
    }
  }
  return undefined;
}

const pair = (s: Segment, t: Segment) => ({ ring: s.ring + 1, other: t.ring + 1 });

const same = (p: Position, q: Position) => p[0] === q[0] && p[1] === q[1];

/** Two collinear neighbours that overlap along more than their shared vertex (a spike folding back). */
function overlapBeyondVertex(s: Segment, t: Segment): boolean {
  const shared = same(s.a, t.a) || same(s.a, t.b) ? s.a : s.b;
  const otherS = shared === s.a ? s.b : s.a;
  const otherT = same(t.a, shared) ? t.b : t.a;
  const dot = (otherS[0] - shared[0]) * (otherT[0] - shared[0]) + (otherS[1] - shared[1]) * (otherT[1] - shared[1]);
  return dot > 0;
}
