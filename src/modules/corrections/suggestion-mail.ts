import type { Db } from '../../storage/schema.ts';
import { queueMail } from '../mail/outbox.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import type { Clock } from '../shared/clock.ts';
import { isConfirmedAddress, type SuggestionRow } from './suggestion.repository.ts';

export type SuggesterNews = 'accepted' | 'rejected' | 'needs_info';

const SUBJECTS: Record<SuggesterNews, string> = {
  accepted: 'Your correction was accepted',
  rejected: 'About the correction you suggested',
  needs_info: 'A question about the correction you suggested',
};

/** Shortens a reader's text for quoting in a mail (plain text: nothing in it is markup). */
const clip = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max).trimEnd()}…` : s);

/**
 * Tells the reader who made a suggestion what became of it, in the caller's transaction (the mail exists if
 * and only if the decision was committed). Only to a confirmed address, or a signed-in suggester's own
 * account address: an unconfirmed address may be someone else's. True if a mail was queued.
 */
export async function queueSuggesterMail(
  db: Db,
  clock: Clock,
  input: {
    suggestion: SuggestionRow;
    post: { title: string; slug: string };
    news: SuggesterNews;
    /** The editor's reason (rejected) or question (needs_info). */
    note: string;
    baseUrl: string;
  },
): Promise<boolean> {
  const { suggestion: s, post, news } = input;
  if (!(await isConfirmedAddress(db, s.author_email, s.user_id))) return false;
  const site = await getSiteSettings({ db });
  const articleUrl = `${input.baseUrl}/${post.slug}/`;
  const lines = [`Hello ${s.author_name},`, '', `You suggested a correction to “${post.title}” on ${site.title}:`];
  lines.push('', `> ${clip(s.quote).replace(/\n/g, '\n> ')}`, '');
  if (news === 'accepted') {
    lines.push(
      'The editors checked it and corrected the article. Thank you.',
      s.credit_ok ? 'You are credited by name in the article’s corrections log.' : '',
      '',
      `Read the article: ${articleUrl}`,
    );
  } else if (news === 'rejected') {
    lines.push('The editors checked it and decided not to change the article, for this reason:', '', input.note);
  } else {
    lines.push(
      'The editors would like to know more before deciding:',
      '',
      input.note,
      '',
      `Answer with a new suggestion on the article: ${articleUrl}`,
    );
  }
  lines.push('', '-- ', `You get this because you confirmed your address with ${site.title}.`);
  await queueMail(db, clock, {
    to: s.author_email.trim().toLowerCase(),
    subject: `${SUBJECTS[news]}: “${post.title}”`,
    text: lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n'),
  });
  return true;
}
