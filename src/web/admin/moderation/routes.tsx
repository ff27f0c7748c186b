import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  addBanByHand,
  BAN_KINDS,
  BAN_LIMITS,
  banCommentAuthor,
  liftBan,
  listActiveBans,
} from '../../../modules/moderation/ban-list.service.ts';
import { MODERATION_REASON_CODES, type ModerationReasonCode } from '../../../modules/moderation/moderation.types.ts';
import {
  bulkModerate,
  editComment,
  listQueue,
  listQueueArticles,
  MODERATION_ACTIONS,
  type ModerationDeps,
  moderateComment,
  QUEUE_STATUSES,
  type QueueQuery,
  type QueueStatus,
  replyAsModerator,
} from '../../../modules/moderation/queue.service.ts';
import { AppError } from '../../../modules/shared/errors.ts';
import { parsePageNumber } from '../../../modules/shared/paging.ts';
import { loadChrome } from '../../kit/render.tsx';
import { CsrfField, Form, Many, OneOf, Params, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  IdParams,
  idParam,
  Notice,
  NoticeQuery,
  one,
  type Query,
  requireForScope,
  seeOther,
} from '../kit.tsx';
import { noticeText } from '../layout.tsx';
import { BansView, QueueView } from './views.tsx';

/** Where moderation forms return when their "back" field is missing or not one of ours. */
const QUEUE = '/admin/moderation';

const Optional = Type.Optional;
/** The queue's filters (a GET form and its links, queueHref): an empty field means "any". */
const QueueQuerySchema = StrictQuery({
  status: Optional(Text(20)),
  post: Optional(Text(12)),
  reason: Optional(Text(40)),
  author: Optional(Text(200)),
  page: Optional(Text(12)),
  notice: Notice,
  n: Optional(Text(4)),
});
/** Where a moderation form returns to: a queue address with its filters. */
const Back = Optional(Text(1000));
const BulkForm = Form({
  ...CsrfField,
  back: Back,
  action: OneOf(MODERATION_ACTIONS),
  ids: Optional(Many(Text(12), 200)),
});
const CommentTextForm = Form({ ...CsrfField, back: Back, body: Text(FORM_TEXT_MAX) });
const Days = Optional(Text(10));
const BanReason = Optional(Text(BAN_LIMITS.reason));
const BanAuthorForm = Form({ ...CsrfField, back: Back, kind: OneOf(['email', 'ip']), days: Days, reason: BanReason });
const ActionParams = Params({ id: Text(30), action: Text(30) });
const BackForm = Form({ ...CsrfField, back: Back });
const BanForm = Form({
  ...CsrfField,
  back: Back,
  kind: OneOf(BAN_KINDS),
  value: Text(1000),
  days: Days,
  reason: BanReason,
});

const badQuery = (what: string) => new AppError('INVALID_QUERY', `The ${what} in the address is not valid.`);

function readQueueQuery(q: Query): QueueQuery {
  const status = one(q, 'status') ?? 'held';
  if (!(QUEUE_STATUSES as readonly string[]).includes(status)) throw badQuery('status');
  const post = one(q, 'post');
  if (post !== undefined && !/^[0-9]{1,9}$/.test(post)) throw badQuery('article');
  const reason = one(q, 'reason');
  if (reason !== undefined && !(MODERATION_REASON_CODES as readonly string[]).includes(reason))
    throw badQuery('reason');
  const author = one(q, 'author')?.trim();
  return {
    status: status as QueueStatus,
    postId: post === undefined ? undefined : Number(post),
    reason: reason as ModerationReasonCode | undefined,
    author: author || undefined,
    page: parsePageNumber(q.page),
  };
}
/** Where to go back to after a form: only our own admin lists, never anywhere a form field could point. */
function backTo(raw: string | null | undefined, notice: string, n?: number): string {
  let url: URL;
  try {
    url = new URL(raw ?? QUEUE, 'http://admin.invalid');
  } catch {
    url = new URL(QUEUE, 'http://admin.invalid');
  }
  if (url.origin !== 'http://admin.invalid' || !['/admin/moderation', '/admin/bans'].includes(url.pathname))
    url = new URL(QUEUE, 'http://admin.invalid');
  url.searchParams.set('notice', notice);
  if (n !== undefined && n !== 1) url.searchParams.set('n', String(n));
  else url.searchParams.delete('n');
  return `${url.pathname}${url.search}`;
}
function daysOf(raw: string | null | undefined): number | null {
  const v = raw?.trim() ?? '';
  if (v === '') return null;
  if (!/^[0-9]{1,5}$/.test(v)) {
    throw new AppError('BAD_REQUEST', 'The days of a ban must be a whole number, or empty for a ban without end.');
  }
  return Number(v);
}

/** The comment queue and bans, under /admin/moderation and /admin/bans: for people who may moderate comments. */
export function registerModerationAdminRoutes(scope: FastifyInstance, kit: AdminKit): void {
  scope.register(async (moderators) => {
    requireForScope(moderators, kit, 'moderate_comments');
    const moderation: ModerationDeps = { ...kit.ctx.deps.content, baseUrl: kit.ctx.deps.baseUrl };
    queueRoutes(moderators, kit, moderation);
    banRoutes(moderators, kit, moderation);
  });
}

/** The queue's tabs and filters, and what a moderator does to one comment or a selection. */
function queueRoutes(scope: FastifyInstance, kit: AdminKit, moderation: ModerationDeps): void {
  const { ctx, page, viewerOf } = kit;
  const staff = typed(scope);

  staff.get('/admin/moderation', { schema: { querystring: QueueQuerySchema } }, async (req, reply) => {
    const q = req.query;
    const query = readQueueQuery(q);
    const [queue, articles] = await Promise.all([listQueue(moderation, query), listQueueArticles(moderation)]);
    if (query.page > queue.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
    const n = Number(one(q, 'n', 4) ?? '1');
    const { site } = await loadChrome(ctx);
    return page(reply, {
      title: 'Comments',
      viewer: viewerOf(req),
      current: 'moderation',
      body: (
        <QueueView
          queue={queue}
          query={query}
          articles={articles}
          viewer={viewerOf(req)}
          site={site}
          notice={noticeText(one(q, 'notice'), Number.isInteger(n) ? n : 1)}
        />
      ),
    });
  });

  staff.post('/admin/moderation/bulk', { schema: { body: BulkForm } }, async (req, reply) => {
    const { action, back } = req.body;
    const raw = [req.body.ids ?? []].flat();
    if (raw.length === 0) return seeOther(reply, backTo(back, 'none-selected'));
    if (!raw.every((v) => /^[0-9]{1,9}$/.test(v))) throw new AppError('BAD_REQUEST', 'The selection is not valid.');
    const { done } = await bulkModerate(moderation, {
      ids: raw.map(Number),
      action,
      moderatorId: viewerOf(req).user.id,
    });
    return seeOther(reply, backTo(back, action, done));
  });

  const commentText = { params: IdParams, body: CommentTextForm };
  staff.post('/admin/moderation/:id/edit', { schema: commentText }, async (req, reply) => {
    await editComment(moderation, { commentId: idParam(req), body: req.body.body });
    return seeOther(reply, backTo(req.body.back, 'edit'));
  });

  staff.post('/admin/moderation/:id/reply', { schema: commentText }, async (req, reply) => {
    const { user } = viewerOf(req);
    await replyAsModerator(moderation, { commentId: idParam(req), body: req.body.body, moderator: user });
    return seeOther(reply, backTo(req.body.back, 'reply'));
  });

  staff.post('/admin/moderation/:id/ban', { schema: { params: IdParams, body: BanAuthorForm } }, async (req, reply) => {
    const { kind, reason, days, back } = req.body;
    await banCommentAuthor(moderation, { commentId: idParam(req), kind, reason: reason ?? '', days: daysOf(days) });
    return seeOther(reply, backTo(back, 'ban'));
  });

  staff.post(
    '/admin/moderation/:id/:action',
    { schema: { params: ActionParams, body: BackForm } },
    async (req, reply) => {
      const action = MODERATION_ACTIONS.find((a) => a === req.params.action);
      if (action === undefined) throw new AppError('NOT_FOUND', 'There is nothing at this address.');
      await moderateComment(moderation, { commentId: idParam(req), action, moderatorId: viewerOf(req).user.id });
      return seeOther(reply, backTo(req.body.back, action));
    },
  );
}

/** The bans in force, one added by hand, one lifted. */
function banRoutes(scope: FastifyInstance, kit: AdminKit, moderation: ModerationDeps): void {
  const { ctx, page, viewerOf } = kit;
  const staff = typed(scope);

  staff.get('/admin/bans', { schema: { querystring: NoticeQuery } }, async (req, reply) => {
    const bans = await listActiveBans(moderation);
    const { site } = await loadChrome(ctx);
    return page(reply, {
      title: 'Bans',
      viewer: viewerOf(req),
      current: 'bans',
      body: (
        <BansView bans={bans} viewer={viewerOf(req)} site={site} notice={noticeText(one(req.query, 'notice'), 1)} />
      ),
    });
  });

  staff.post('/admin/bans', { schema: { body: BanForm } }, async (req, reply) => {
    const { kind, value, reason, days } = req.body;
    await addBanByHand(moderation, { kind, value, reason: reason ?? '', days: daysOf(days) });
    return seeOther(reply, '/admin/bans?notice=ban');
  });

  staff.post('/admin/bans/:id/remove', { schema: { params: IdParams, body: BackForm } }, async (req, reply) => {
    await liftBan(moderation, idParam(req));
    return seeOther(reply, '/admin/bans?notice=unban');
  });
}
