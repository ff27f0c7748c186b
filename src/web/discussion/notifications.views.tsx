import type { OwnComment } from '../../modules/notifications/notifications.service.ts';
import { postUrl } from '../ui/format.ts';

/** The pages behind the links in comment mail: confirm an address, stop reply mail, delete one's comment. */

export function EmailConfirmedView(props: { email: string }) {
  return (
    <section class="prose" aria-labelledby="notice-title">
      <h1 id="notice-title" class="page-title">
        Address confirmed
      </h1>
      <p role="status">
        Your address is confirmed; you will get replies to your comments at <strong>{props.email}</strong>.
      </p>
      <p>Every such e-mail has a link to stop them again.</p>
      <p>
        Back to the <a href="/">latest articles</a>.
      </p>
    </section>
  );
}

export function UnsubscribeFormView(props: { email: string; action: string }) {
  return (
    <section class="prose" aria-labelledby="notice-title">
      <h1 id="notice-title" class="page-title">
        Stop reply e-mails?
      </h1>
      <p>
        We will no longer e-mail <strong>{props.email}</strong> when someone replies to your comments. Your comments
        stay as they are.
      </p>
      <form method="post" action={props.action}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Stop reply e-mails</button>
      </form>
    </section>
  );
}

export function UnsubscribedView(props: { email: string }) {
  return (
    <section class="prose" aria-labelledby="notice-title">
      <h1 id="notice-title" class="page-title">
        Reply e-mails stopped
      </h1>
      <p role="status">
        We will not e-mail <strong>{props.email}</strong> about replies to your comments any more.
      </p>
      <p>
        Back to the <a href="/">latest articles</a>.
      </p>
    </section>
  );
}

function Quoted(props: { excerpt: string }) {
  return (
    <blockquote>
      {props.excerpt.split('\n').map((line, i) => (
        <p key={i}>{line.replace(/^> ?/, '')}</p>
      ))}
    </blockquote>
  );
}

export function DeleteCommentFormView(props: { own: OwnComment; action: string }) {
  const { own } = props;
  if (own.gone) return <CommentDeletedView own={own} />;
  return (
    <section class="prose" aria-labelledby="notice-title">
      <h1 id="notice-title" class="page-title">
        Delete your comment?
      </h1>
      <p>
        Your comment on <a href={postUrl(own.postSlug)}>{own.postTitle}</a>, which begins:
      </p>
      <Quoted excerpt={own.excerpt} />
      <p>Deleting it takes it off the site.</p>
      <form method="post" action={props.action}>
        <button type="submit">Delete my comment</button>
      </form>
    </section>
  );
}

export function CommentDeletedView(props: { own: OwnComment }) {
  return (
    <section class="prose" aria-labelledby="notice-title">
      <h1 id="notice-title" class="page-title">
        Comment deleted
      </h1>
      <p role="status">
        Your comment on <a href={postUrl(props.own.postSlug)}>{props.own.postTitle}</a> is no longer on the site.
      </p>
    </section>
  );
}
