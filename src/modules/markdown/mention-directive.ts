import type { Root as MdastRoot, Parent, PhrasingContent } from 'mdast';
import { visit } from 'unist-util-visit';

/**
 * Mentions of history's entities in an article (issue 17, decision 041): `:person[Zhukov]{#georgy-zhukov}`,
 * `:place[…]{#…}`, `:event[…]{#…}`, `:org[…]{#…}`. A mention of a known entity becomes a link to its page; an
 * unknown one stays its plain text. Which entities are known is handed in (the caller asks the database first),
 * so rendering stays pure, as citations' sources are.
 */
export type MentionKind = 'person' | 'place' | 'event' | 'organisation';

/** The directive name a writer types for each kind. */
export const MENTION_DIRECTIVES: Readonly<Record<string, MentionKind>> = {
  person: 'person',
  place: 'place',
  event: 'event',
  org: 'organisation',
};

/** The folder of each kind's pages: /people/<slug>/, /places/…, /events/…, /organisations/…. */
export const ENTITY_FOLDERS: Readonly<Record<MentionKind, string>> = {
  person: 'people',
  place: 'places',
  event: 'events',
  organisation: 'organisations',
};

/** The address of an entity's page. */
export const entityPath = (kind: MentionKind, slug: string): string => `/${ENTITY_FOLDERS[kind]}/${slug}/`;

/** One entity a text mentions; `key` is "kind:slug". */
export interface Mention {
  kind: MentionKind;
  slug: string;
}

export const mentionKey = (m: Mention): string => `${m.kind}:${m.slug}`;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MENTION = /:(person|place|event|org)\[[^\]\n]{0,400}\]\{#([^\s}]{1,200})[^}\n]{0,200}\}/g;

/**
 * The entities a body mentions, each once, in order of first mention (a mention in a code sample counts too, as
 * a cite there does: the text is read without parsing it).
 */
export function mentionsOf(markdown: string): Mention[] {
  const seen = new Map<string, Mention>();
  for (const m of markdown.matchAll(MENTION)) {
    const kind = MENTION_DIRECTIVES[m[1]!]!;
    const slug = m[2]!;
    if (!SLUG.test(slug)) continue;
    const mention = { kind, slug };
    if (!seen.has(mentionKey(mention))) seen.set(mentionKey(mention), mention);
  }
  return [...seen.values()];
}

export interface MentionOptions {
  /** "kind:slug" of every known entity the text mentions. */
  known: ReadonlySet<string>;
  /** The editor's preview marks unknown mentions so the writer sees them; readers see plain text. */
  flagUnknown?: boolean;
}

interface DirectiveLike {
  type: string;
  name: string;
  attributes?: Record<string, string | null | undefined> | null;
  children: PhrasingContent[];
}

/** remark plugin: each mention directive becomes a link to its entity's page, or its own text when unknown. */
export function remarkMentions(opts: MentionOptions) {
  return (tree: MdastRoot) => {
    visit(tree, 'textDirective', (node, index, parent) => {
      const d = node as unknown as DirectiveLike;
      const kind = MENTION_DIRECTIVES[d.name];
      if (!kind || !parent || index === undefined) return undefined;
      const slug = d.attributes?.id ?? '';
      const siblings = (parent as Parent).children;
      if (SLUG.test(slug) && opts.known.has(`${kind}:${slug}`)) {
        siblings[index] = mentionLink(kind, slug, d.children) as never;
        return undefined;
      }
      // Unknown: the writer's words stay, as plain text (flagged in the editor's preview).
      if (opts.flagUnknown) siblings[index] = flaggedMention(d.children) as never;
      else siblings.splice(index, 1, ...(d.children as never[]));
      return index;
    });
  };
}

function mentionLink(kind: MentionKind, slug: string, children: PhrasingContent[]): PhrasingContent {
  return {
    type: 'link',
    url: entityPath(kind, slug),
    children,
    data: { hProperties: { className: ['mention', `mention-${kind}`], dataEntity: `${kind}:${slug}` } },
  };
}

function flaggedMention(children: PhrasingContent[]): PhrasingContent {
  return {
    type: 'emphasis',
    data: { hName: 'span', hProperties: { className: ['mention-unknown'], title: 'No entity has this id' } },
    children,
  };
}
