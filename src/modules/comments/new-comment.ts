import { WorkTooCostly } from '../shared/bounded-work.ts';
import { AppError } from '../shared/errors.ts';
import { type Mentions, type RenderedComment, renderCommentBounded } from './comment-markdown.ts';

/** What a new comment is made of, for every way one arrives: the comment form, a moderator's reply, an import. */

/** Longest passage of another comment a comment may quote (characters). */
export const COMMENT_QUOTE_MAX = 2000;
/** A commenter's website as the comment form takes it: an http(s) address without spaces. */
export const isCommenterUrl = (url: string): boolean => /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(url);

/** The HTML stored for a comment: the checked quote (attributed, linked) and then the writer's own text. */
export function commentHtml(
  rendered: RenderedComment,
  quote: { commentId: number; authorName: string; text: string } | null,
): RenderedComment {
  if (!quote) return rendered;
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const quoteHtml = `<blockquote class="comment-quote" cite="#comment-${quote.commentId}"><p>${esc(quote.text)}</p><p class="comment-quote__source">— <a href="#comment-${quote.commentId}">${esc(quote.authorName)}</a></p></blockquote>\n`;
  return { ...rendered, html: quoteHtml + rendered.html };
}

/**
 * Renders text a person just wrote in a comment (a reader, or a moderator's edit or reply), bounded: a text
 * past the parsing budget is refused as a field error on `body`.
 */
export async function renderNewComment(body: string, mentions: Mentions = new Map()): Promise<RenderedComment> {
  try {
    return await renderCommentBounded(body, mentions);
  } catch (err) {
    if (!(err instanceof WorkTooCostly)) throw err;
    const message = 'This comment took too long to read. Use fewer nested quotes or lists and less markup.';
    throw new AppError('COMMENT_INVALID', 'Please correct the fields marked below.', {
      fields: { body: message },
      cause: err,
    });
  }
}
