import type { ModerationContext, ModerationOutcome, ModerationReasonCode, Phase, Verdict } from './moderation.types.ts';
import { PHASES } from './phases.ts';

type NamedPhase = { name: string; run: Phase };

/**
 * Runs the phases in order. A rejection or spam verdict ends the run at once (that verdict comes first in the
 * reasons); holds accumulate, all kept; an approval ends the run as approved unless something already held it.
 */
export function runPipeline(ctx: ModerationContext, phases: readonly NamedPhase[] = PHASES): ModerationOutcome {
  const holds: ModerationOutcome['reasons'] = [];
  for (const phase of phases) {
    const verdict = phase.run(ctx);
    if (!verdict) continue;
    const reason = { ...verdict, phase: phase.name };
    switch (verdict.action) {
      case 'reject':
        return { status: 'rejected', reasons: [reason, ...holds] };
      case 'spam':
        return { status: 'spam', reasons: [reason, ...holds] };
      case 'hold':
        holds.push(reason);
        break;
      case 'approve':
        return holds.length > 0 ? { status: 'held', reasons: holds } : { status: 'approved', reasons: [reason] };
    }
  }
  return holds.length > 0 ? { status: 'held', reasons: holds } : { status: 'approved', reasons: [] };
}

/**
 * Codes never shown to a writer: telling a robot which trap it fell into (or how its text scored) teaches it
 * to avoid the trap next time.
 */
const SECRET_CODES: ReadonlySet<ModerationReasonCode> = new Set<ModerationReasonCode>([
  'HONEYPOT',
  'TOO_FAST',
  'BANNED_EMAIL',
  'BANNED_IP',
  'BANNED_DOMAIN',
  'BANNED_WORD',
  'SPAM_CLASSIFIER',
]);

/**
 * What a writer should know before posting ("this may be held for moderation because…"): every hold and
 * rejection that would apply, from all phases (none stops the preview), without the spam traps.
 */
export function previewWarnings(ctx: ModerationContext, phases: readonly NamedPhase[] = PHASES): Verdict[] {
  return phases
    .map((phase) => phase.run(ctx))
    .filter((v): v is Verdict => v !== undefined)
    .filter((v) => (v.action === 'hold' || v.action === 'reject') && !SECRET_CODES.has(v.code));
}
