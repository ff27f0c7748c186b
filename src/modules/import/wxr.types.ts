/**
 * What the WXR reader hands over, one record at a time. Values are the element texts as exported (trimmed);
 * absent elements are undefined, so the importer can tell "missing" from "empty".
 */
export interface WxrChannel {
  title: string;
  description: string;
  /** The old site's address (`wp:base_site_url`, else the channel's `link`). */
  baseUrl: string;
  /** `wp:wxr_version`, or undefined when the file has none. */
  version: string | undefined;
}

export interface WxrAuthor {
  login: string;
  email: string;
  displayName: string;
}

export interface WxrCategory {
  /** `wp:term_id`, which Yoast's primary-category meta names. */
  termId: string;
  nicename: string;
  name: string;
  /** The parent's nicename, '' for a top-level category. */
  parent: string;
  description: string;
}

export interface WxrTag {
  slug: string;
  name: string;
}

export interface WxrComment {
  id: string;
  parent: string;
  author: string;
  email: string;
  url: string;
  ip: string;
  date: string | undefined;
  dateGmt: string | undefined;
  content: string;
  /** `comment_approved`: '1', '0', 'spam', 'trash' (absent in some exports). */
  approved: string | undefined;
  /** '', 'comment', 'pingback' or 'trackback'. */
  type: string;
}

export interface WxrTerm {
  /** 'category' or 'post_tag' (other taxonomies are ignored). */
  domain: string;
  nicename: string;
  name: string;
}

export interface WxrItem {
  /** 1-based position of the item in the file, for reports when it has no id. */
  position: number;
  id: string | undefined;
  title: string;
  link: string;
  pubDate: string | undefined;
  creator: string;
  content: string;
  excerpt: string;
  postDate: string | undefined;
  postDateGmt: string | undefined;
  name: string | undefined;
  status: string | undefined;
  type: string | undefined;
  password: string;
  /** `wp:attachment_url` of an attachment item. */
  attachmentUrl: string;
  /** `wp:post_parent`: a page's parent, the post an attachment was uploaded to; '' or '0' for none. */
  parent: string;
  /** `wp:is_sticky` is 1: a post kept at the top of the home page. */
  sticky: boolean;
  /** `wp:menu_order`: a page's place among its siblings (0 when absent or not a number). */
  menuOrder: number;
  terms: WxrTerm[];
  /** Post meta by key (the last value of a key given twice). */
  meta: Map<string, string>;
  /** Every post meta value in file order, a key given twice included. */
  metaList: [key: string, value: string][];
  comments: WxrComment[];
}

/** One thing read from the file, in file order. */
export type WxrRecord =
  | { kind: 'channel'; channel: WxrChannel }
  | { kind: 'author'; author: WxrAuthor }
  | { kind: 'category'; category: WxrCategory }
  | { kind: 'tag'; tag: WxrTag }
  | { kind: 'item'; item: WxrItem };
