/**
 * Entry of the worker threads that parse people's text with a deadline (src/modules/shared/bounded-work.ts,
 * decision 024). Each message names a task and carries structured-clonable input; the answer is the result or a
 * plain error description. The worker keeps nothing between tasks but the parsers' own caches.
 */
import { parentPort } from 'node:worker_threads';
import { type Mentions, parseCommentMarkdown } from './modules/comments/comment-markdown.ts';
import { renderMarkdown } from './modules/markdown/render-markdown.ts';
import { scanMarkdown } from './modules/preflight/markdown-scan.ts';
import type { BoundedTaskName, WorkerReply } from './modules/shared/bounded-work.ts';
import { isAppError } from './modules/shared/errors.ts';
import { citationResolver } from './modules/sources/citation-format.ts';
import type { CitedArticleInput } from './modules/sources/cited-markdown.ts';

const TASKS: Record<BoundedTaskName, (input: never) => unknown> = {
  comment: (input: { source: string; mentions: Mentions }) => parseCommentMarkdown(input.source, input.mentions),
  scan: (input: { source: string }) => scanMarkdown(input.source),
  article: (input: CitedArticleInput) =>
    renderMarkdown(input.source, {
      citations: citationResolver(input.style, input.items),
      flagUnknownCitations: input.flagUnknown,
      mentions: { known: new Set(input.knownMentions), flagUnknown: input.flagUnknown },
    }),
};

function answer(name: BoundedTaskName, input: never): WorkerReply {
  try {
    return { ok: true, result: TASKS[name](input) };
  } catch (err) {
    if (isAppError(err)) return { ok: false, code: err.code, message: err.publicMessage, fields: err.fields };
    // The parser recursing past the stack is the text's doing, like running out of time.
    if (err instanceof RangeError) return { ok: false, message: err.message, tooCostly: true };
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

const port = parentPort!;
port.on('message', (msg: { name: BoundedTaskName; input: never }) => port.postMessage(answer(msg.name, msg.input)));
port.postMessage({ ready: true } satisfies WorkerReply);
