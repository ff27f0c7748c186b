/** What a moderation phase can decide about a new comment. */
export type VerdictAction = 'approve' | 'hold' | 'spam' | 'reject';

/** A phase's decision, with a stable reason code a moderator (or, for reject, the writer) sees. */
export interface Verdict {
  action: VerdictAction;
  code: ModerationReasonCode;
  /** One sentence for people: shown to the writer on reject, to moderators otherwise. */
  message: string;
}

export const MODERATION_REASON_CODES = [
  'COMMENTS_CLOSED',
  'TOO_SHORT',
  'TOO_LONG',
  'DUPLICATE',
  'FLOOD',
  'HONEYPOT',
  'TOO_FAST',
  'BANNED_EMAIL',
  'BANNED_IP',
  'BANNED_DOMAIN',
  'BANNED_WORD',
  'TOO_MANY_LINKS',
  'MODERATION_WORD',
  'PROFANITY',
  'FIRST_COMMENT',
  'IDENTITY_NOT_CONFIRMED',
  'SPAM_CLASSIFIER',
  'REPORTED',
] as const;
export type ModerationReasonCode = (typeof MODERATION_REASON_CODES)[number];

/** Site-wide moderation settings (stored in settings, with these defaults). */
export interface ModerationSettings {
  minLength: number;
  maxLength: number;
  maxNameLength: number;
  /** Seconds within which the same IP or email may not post again. */
  floodSeconds: number;
  /** Seconds: a form sent back faster than this after it was issued is a robot's. */
  minFormSeconds: number;
  /** Hold when a comment has more links than this. */
  maxLinks: number;
  /** Words or phrases that hold a comment for a person to look at. */
  moderationWords: string[];
  /**
   * Hold the first comment from an email that has no approved comment yet, and a comment under an approved
   * commenter's email from a browser that has not proved the address is its writer's (decision 021).
   */
  holdFirstComment: boolean;
  /** Close comments on articles older than this many days (0: never). */
  closeAfterDays: number;
  /** Replies shown nested up to this depth; deeper ones show "in reply to". */
  displayDepth: number;
  /** Reports from different readers that hold an approved comment for review. */
  reportThreshold: number;
}

export const DEFAULT_MODERATION: ModerationSettings = {
  minLength: 2,
  maxLength: 8000,
  maxNameLength: 80,
  floodSeconds: 15,
  minFormSeconds: 3,
  maxLinks: 2,
  moderationWords: [],
  holdFirstComment: true,
  closeAfterDays: 0,
  displayDepth: 5,
  reportThreshold: 3,
};

/**
 * Everything a phase may read about a new comment. The comment service gathers it (one read of the history
 * and the bans) before the phases run, so phases are pure, synchronous and need no database.
 */
export interface ModerationContext {
  now: Date;
  settings: ModerationSettings;
  post: { commentsOpen: boolean; publishedAt: string };
  comment: {
    authorName: string;
    authorEmail: string;
    authorUrl: string | null;
    /** The Markdown as typed. */
    body: string;
    /** The words, without markup. */
    text: string;
    /** Every link target in the body and the website field. */
    links: string[];
    ip: string;
    /** Value of the hidden honeypot field: empty from people. */
    honeypot: string;
    /** When the form was issued to this reader; null when no valid form token came with it (robots, scripts). */
    formIssuedAt: Date | null;
    /** Signed-in users skip the checks meant for strangers (first comment, identity, too fast). */
    signedIn: boolean;
    /**
     * The browser showed that the email is its writer's (decision 021): its signed returning-commenter token
     * names an approved comment under this email, or the address was confirmed from it. A typed email proves
     * nothing.
     */
    identityProven: boolean;
  };
  history: {
    /** Latest comment time from the same IP, and from the same email. */
    lastFromIp: Date | null;
    lastFromEmail: Date | null;
    /** Same body from the same email or IP in the last day. */
    duplicate: boolean;
    /** Approved comments already written with this email, counted up to one (the rules need no more). */
    approvedFromEmail: number;
    /** The name signed is an approved commenter's from another address, and was never approved from this one. */
    nameOfAnother: boolean;
  };
  /** Active bans that match this comment's email, IP, email domain or link domains, or its words. */
  bans: { kind: 'email' | 'ip' | 'domain' | 'word'; value: string }[];
  /** The local classifier's probability that this is spam, or null while it has too little training. */
  spamProbability: number | null;
}

/** One rule. Reads only what it needs; returns a verdict or nothing. */
export type Phase = (ctx: ModerationContext) => Verdict | undefined;

export interface ModerationOutcome {
  /** approved, held, spam or rejected (rejected comments are not stored). */
  status: 'approved' | 'held' | 'spam' | 'rejected';
  reasons: (Verdict & { phase: string })[];
}
