import { Type } from '@sinclair/typebox';
import { REPORT_REASONS } from '../../modules/moderation/report-comment.service.ts';
import { Checkbox, Form, OneOf, PageNumber, Params, PublicQuery, StrictQuery, Text } from '../kit/schemas.ts';

/**
 * What the discussion's forms and JSON send. Free text (names, comments, notes) has a ceiling well above what the
 * domain takes, so that the domain's own limit answers with the form shown again and the text kept whole.
 */

/** Above twice the longest comment a site may allow (50,000), line breaks sent as CRLF included. */
const COMMENT_TEXT_MAX = 200_000;
const NAME_MAX = 2_000;
const ADDRESS_MAX = 4_000;

/** The comment form under an article (discussion/comments.views.tsx), posted without JavaScript. */
export const CommentForm = Form({
  name: Type.Optional(Text(NAME_MAX)),
  email: Type.Optional(Text(NAME_MAX)),
  url: Type.Optional(Text(ADDRESS_MAX)),
  body: Text(COMMENT_TEXT_MAX),
  quote: Type.Optional(Text(COMMENT_TEXT_MAX)),
  parent_id: Type.Optional(Text(20)),
  homepage: Type.Optional(Text(ADDRESS_MAX)),
  notify: Checkbox,
  /** "Check before posting", or the one button of the confirm page (discussion/confirm-comment.tsx). */
  intent: Type.Optional(OneOf(['check', 'confirm'])),
});

const Nullable = <T extends ReturnType<typeof Text>>(s: T) => Type.Optional(Type.Union([s, Type.Null()]));

/** A comment sent as JSON (the article page's script, src/client/comments.ts; described in openapi.json). */
export const CommentJsonBody = Type.Object(
  {
    name: Nullable(Text(NAME_MAX, { description: 'Needed unless signed in' })),
    email: Nullable(Text(NAME_MAX, { description: 'Needed unless signed in; never shown' })),
    url: Nullable(Text(ADDRESS_MAX, { description: 'An http:// or https:// address' })),
    body: Text(COMMENT_TEXT_MAX, {
      description: 'Markdown: paragraphs, emphasis, links, block quotes, lists, inline code',
    }),
    parent_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, description: 'The comment this one replies to' }), Type.Null()]),
    ),
    quote: Nullable(Text(COMMENT_TEXT_MAX, { description: 'A passage of the parent comment to quote' })),
    homepage: Nullable(Text(ADDRESS_MAX, { description: 'Left empty by people' })),
    notify: Type.Optional(Type.Boolean({ description: 'Mail me replies (after I confirm my address)' })),
  },
  { additionalProperties: false },
);

/** The longest note a report keeps (the domain stores reason and note in one 1,000-character field). */
export const REPORT_NOTE_MAX = 900;

/** Reporting a comment (its page in comments.routes.tsx). */
export const ReportForm = Form({
  reason: Type.Optional(OneOf(REPORT_REASONS)),
  note: Type.Optional(Text(20_000)),
  /** The button of a report sent again after it came without a form token (decision 035). */
  intent: Type.Optional(OneOf(['confirm'])),
});

/** `POST /form-token` reads nothing: no body (the comment island sends none), or an empty form. */
export const NoBody = Type.Union([Type.Null(), Form({})]);

/** `/comments/:id`: anything but a comment number is a 404, as before. */
export const CommentIdParams = Params({ id: Text(300) });

/** The API's comments list. */
export const CommentListQuery = StrictQuery({ page: Type.Optional(PageNumber) });

/** Links in comment mail carry a signed token (checked by the notifications service). */
export const MailLinkQuery = PublicQuery({ token: Type.Optional(Text(4000)) });

/** A browser keeps the keys of its last held comments; more than this in one question is not a reader's. */
const HELD_KEYS_MAX = 20;

/** `POST /api/v1/comments/held`: the keys the comment island kept (discussion/held-comments.routes.ts). */
export const HeldCommentsBody = Type.Object(
  {
    keys: Type.Array(Text(200), { maxItems: HELD_KEYS_MAX, description: 'Keys given with comments held at posting' }),
  },
  { additionalProperties: false },
);

/** A thread's own page, `/:slug/thread/:id/`: anything but a comment number is a 404. */
export const ThreadParams = Params({ slug: Text(300), id: Text(300) });
