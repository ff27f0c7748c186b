import { Type } from '@sinclair/typebox';
import { Checkbox, Form, OneOf, Params, PublicQuery, Text } from '../kit/schemas.ts';

/**
 * What the evidence pages' addresses and the correction-suggestion form carry. Free text has a ceiling above the
 * domain's limits (SUGGESTION_LIMITS, the name and email checks), which answer with the form shown again.
 */
const TEXT_MAX = 60_000;
const NAME_MAX = 2_000;

/** The passage a suggestion is about: typed (quote) or selected (W3C selectors from the selection island). */
const passageFields = {
  quote: Type.Optional(Text(TEXT_MAX)),
  exact: Type.Optional(Text(TEXT_MAX)),
  prefix: Type.Optional(Text(1_000)),
  suffix: Type.Optional(Text(1_000)),
  start: Type.Optional(Text(20)),
  end: Type.Optional(Text(20)),
};

/** The form page, opened from a selection with the passage in the query string. */
export const SuggestionQuery = PublicQuery(passageFields);

/** The suggestion form (suggest-correction.views.tsx), including its "Change what I quoted" button. */
export const SuggestionForm = Form({
  ...passageFields,
  problem: Type.Optional(Text(TEXT_MAX)),
  proposed: Type.Optional(Text(TEXT_MAX)),
  source: Type.Optional(Text(TEXT_MAX)),
  name: Type.Optional(Text(NAME_MAX)),
  email: Type.Optional(Text(NAME_MAX)),
  homepage: Type.Optional(Text(4_000)),
  credit: Checkbox,
  notify: Checkbox,
  /** "Change what I quoted", or sending again after a post without a form token (decision 035). */
  intent: Type.Optional(OneOf(['edit', 'confirm'])),
});

/** The thank-you page after a suggestion. */
export const SentQuery = PublicQuery({ held: Type.Optional(Text(10)), confirm: Type.Optional(Text(10)) });

/** The list of an article's versions; ?from=&to= redirect to their differences (numbers checked by the route). */
export const RevisionListQuery = PublicQuery({ from: Type.Optional(Text(20)), to: Type.Optional(Text(20)) });

/** One version (`3`) or two (`2...3`). */
export const RevisionParams = Params({ slug: Text(300), which: Text(300) });

/** A source's citation key. */
export const SourceKeyParams = Params({ key: Text(300) });
