import type { FirstRunItem, FirstRunStep } from '../../../modules/dashboard/first-run.service.ts';
import { CsrfField } from '../../ui/form.tsx';

/** Each step's words and where it is done. */
const STEPS: Record<FirstRunStep, { label: string; href: string; hint: string }> = {
  'first-post': {
    label: 'Write and publish your first post',
    href: '/admin/posts/new',
    hint: 'The demo’s articles do not count: publish one of your own.',
  },
  byline: {
    label: 'Set your byline',
    href: '/admin/account',
    hint: 'The name and short biography readers see on your articles.',
  },
  'site-title': {
    label: 'Give the site its title',
    href: '/admin/settings',
    hint: 'It still has the demo’s name.',
  },
  invite: {
    label: 'Invite the people who write or moderate with you',
    href: '/admin/users',
    hint: 'Each gets a one-time link to choose a password.',
  },
  import: {
    label: 'Import a site',
    href: '/admin/import',
    hint: 'Bring posts and comments from WordPress, Ghost or Disqus.',
  },
};

/** The dashboard's first-run checklist: each step a link to where it is done, ticked once the site shows it. */
export function FirstRunChecklist(props: { items: FirstRunItem[]; csrf: string }) {
  const left = props.items.filter((i) => !i.done).length;
  return (
    <section class="first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">Make the site yours</h2>
      <p class="hint">
        {left} of {props.items.length} {props.items.length === 1 ? 'step' : 'steps'} left. This list goes away once they
        are all done.
      </p>
      <ol class="first-run__steps">
        {props.items.map((item) => {
          const s = STEPS[item.step];
          return (
            <li key={item.step} class={item.done ? 'first-run__step first-run__step--done' : 'first-run__step'}>
              <span class="first-run__mark" aria-hidden="true" />
              <span>
                {item.done ? (
                  <>
                    <s>{s.label}</s> <span class="visually-hidden">(done)</span>
                  </>
                ) : (
                  <a href={s.href}>{s.label}</a>
                )}
                {item.done ? null : <span class="hint first-run__hint">{s.hint}</span>}
              </span>
            </li>
          );
        })}
      </ol>
      <form method="post" action="/admin/dashboard/checklist/hide" class="first-run__hide">
        <CsrfField csrf={props.csrf} />
        <button type="submit" class="secondary">
          Hide this list
        </button>
      </form>
    </section>
  );
}
