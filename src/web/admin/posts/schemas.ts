import { Type } from '@sinclair/typebox';
import { FORM_READ_SLACK, MAX_AUTHORS, POST_FIELD_LIMITS } from '../../../modules/content/editor-form.ts';
import {
  CORRECTION_NOTE_FIELDS,
  CORRECTION_NOTE_LIMITS,
} from '../../../modules/corrections/corrections-log.service.ts';
import { CsrfField, Form, Many, Params, StrictQuery, Text } from '../../kit/schemas.ts';

/**
 * What the post editor's forms and its island send (issue 15). Typed text gets the content module's limit plus
 * the slack it keeps to show a refused value back (editor-form.ts): the module refuses what is over its limit with
 * the form shown again; past the slack the schema refuses, so the module never cuts what a writer typed.
 */

/** The editor form's body limit (bytes): a long article's Markdown, percent-encoded. */
export const EDITOR_BODY_LIMIT = 2 * 1024 * 1024;

const Optional = Type.Optional;
const typed = (k: keyof typeof POST_FIELD_LIMITS) => Optional(Text(POST_FIELD_LIMITS[k] + FORM_READ_SLACK));
const note = (k: keyof typeof CORRECTION_NOTE_LIMITS) => Optional(Text(CORRECTION_NOTE_LIMITS[k] + 1000));
/** A number or a word the page put there (a hidden field, a select, a checkbox). */
const Word = (max = 40) => Optional(Text(max));

/** The editor: every field of the form, its buttons' `action`, and the correction note under it. */
export const EditorForm = Form({
  ...CsrfField,
  formId: Word(64),
  version: Word(12),
  action: Word(20),
  preflightSeen: Word(10),
  suggestionId: Word(12),
  title: typed('title'),
  slug: typed('slug'),
  standfirst: typed('standfirst'),
  excerpt: typed('excerpt'),
  body: Optional(Text(EDITOR_BODY_LIMIT)),
  category: Word(500),
  otherCategories: Optional(Many(Text(500), 200)),
  tags: typed('tags'),
  authors: Optional(Many(Text(200), MAX_AUTHORS)),
  coverSrc: typed('coverSrc'),
  coverAlt: typed('coverAlt'),
  coverCaption: typed('coverCaption'),
  coverCredit: typed('coverCredit'),
  seoTitle: typed('seoTitle'),
  seoDescription: typed('seoDescription'),
  publishAt: Word(40),
  type: Word(10),
  commentsOpen: Word(10),
  sticky: Word(10),
  parent: Word(20),
  menuOrder: Word(20),
  [CORRECTION_NOTE_FIELDS.kind]: Word(20),
  [CORRECTION_NOTE_FIELDS.summary]: note('summary'),
  [CORRECTION_NOTE_FIELDS.reason]: note('reason'),
  [CORRECTION_NOTE_FIELDS.source]: note('source'),
  [CORRECTION_NOTE_FIELDS.credit]: Word(10),
});

/** The island's live preview: the body alone. */
export const PreviewForm = Form({ ...CsrfField, body: Optional(Text(EDITOR_BODY_LIMIT)) });

export const CsrfOnly = Form({ ...CsrfField });

/** The posts list's filters (a GET form and its pager's links). */
export const ListQuery = StrictQuery({
  q: Optional(Text(200)),
  state: Word(20),
  type: Word(10),
  author: Word(200),
  mine: Word(10),
  page: Word(12),
});

/** The editor's address: a notice, a restored autosave, or the suggestion an editor is accepting. */
export const EditorQuery = StrictQuery({ notice: Word(60), autosave: Word(20), suggestion: Optional(Text(12)) });

export const SuggestionQuery = StrictQuery({ suggestion: Optional(Text(12)) });
export const NewPostQuery = StrictQuery({});
export const RevisionsQuery = StrictQuery({ notice: Word(60) });
export const CompareQuery = StrictQuery({ from: Optional(Text(9)), to: Optional(Text(9)) });
export const RestoreParams = Params({ id: Text(30), number: Text(30) });
export const RestoreForm = Form({ ...CsrfField, version: Optional(Text(12)) });
