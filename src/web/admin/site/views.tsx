import type { ComponentChildren } from 'preact';
import type { Dashboard, DashboardPost } from '../../../modules/dashboard/dashboard.service.ts';
import {
  SETTINGS_LIMITS,
  type SiteSettings,
  type SiteSettingsForm,
} from '../../../modules/settings/settings.service.ts';
import type { MenuTargets } from '../../../modules/site/menu-targets.service.ts';
import type { MenuItem, Menus } from '../../../modules/site/menus.service.ts';
import { MENU_LIMITS } from '../../../modules/site/menus.service.ts';
import {
  type ResolvedWidget,
  WIDGET_LIMITS,
  WIDGET_TYPE_INFO,
  WIDGET_TYPES,
  type WidgetForm,
  type WidgetSetup,
} from '../../../modules/site/widgets.service.ts';
import { CITATION_STYLE_NAMES } from '../../../modules/sources/citation-format.ts';
import type { MenuName, WidgetArea as WidgetAreaName } from '../../../storage/schema.ts';
import { CsrfField, ErrorSummary, Field, type FormErrors, ItemButton, TextField } from '../../ui/form.tsx';
import { safeHref } from '../../ui/format.ts';
import { DataTable } from '../../ui/lists.tsx';
import { WidgetArea } from '../../ui/widgets.tsx';
import { BackupFailure, BackupSummary } from '../backups/status.views.tsx';
import { type AdminViewer, formatDateTime, Notice, noticeLookup } from '../layout.tsx';
import { MenuTargetField } from './menu-picker.views.tsx';

// Site settings, widget areas and navigation menus: the pages behind the "Site" link of the administration.

const NOTICES: Record<string, string> = {
  saved: 'Settings saved. Readers see them on their next page.',
  'widget-added': 'Widget added.',
  'widget-saved': 'Widget saved.',
  'widget-moved': 'Widget moved.',
  'widget-removed': 'Widget removed.',
  'menu-added': 'Link added to the menu.',
  'menu-moved': 'Link moved.',
  'menu-removed': 'Link removed from the menu.',
};
export const siteNoticeText = noticeLookup(NOTICES);

const errorsFor = (errors: FormErrors | undefined, form: string) =>
  errors && errors.form === form ? errors.fields : {};

/** Settings, widgets and menus share one set of tabs. */
function SiteTabs(props: { current: 'settings' | 'widgets' | 'menus' }) {
  const tabs = [
    ['settings', '/admin/settings', 'Settings'],
    ['widgets', '/admin/widgets', 'Widgets'],
    ['menus', '/admin/menus', 'Menus'],
  ] as const;
  return (
    <nav class="admin-tabs" aria-label="Site">
      <ul>
        {tabs.map(([key, href, label]) => (
          <li key={key}>
            <a href={href} aria-current={props.current === key ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

// ---- Settings ----

const settingsId = (k: string) => `settings-${k}`;

export function SettingsView(props: {
  values: SiteSettingsForm;
  errors?: FormErrors;
  timeZones: string[];
  comments: { closeAfterDays: number; holdFirstComment: boolean; canManage: boolean };
  viewer: AdminViewer;
  notice?: string;
}) {
  const { values, comments } = props;
  const e = errorsFor(props.errors, 'settings');
  const { min, max } = SETTINGS_LIMITS.postsPerPage;
  return (
    <>
      <h1 class="page-title">Site settings</h1>
      <SiteTabs current="settings" />
      <Notice text={props.notice} />
      <ErrorSummary
        errors={props.errors?.fields}
        idOf={settingsId}
        message="Some settings need a correction; nothing was saved."
      />
      <form class="admin-form" method="post" action="/admin/settings">
        <CsrfField csrf={props.viewer.csrf} />
        <fieldset>
          <legend>The site</legend>
          <TextField
            id={settingsId('title')}
            name="title"
            label="Title"
            value={values.title}
            error={e.title}
            required
            maxLength={SETTINGS_LIMITS.title}
          />
          <TextField
            id={settingsId('tagline')}
            name="tagline"
            label="Tagline"
            hint="Shown under the title on every page. May be empty."
            value={values.tagline}
            error={e.tagline}
            maxLength={SETTINGS_LIMITS.tagline}
          />
          <Field
            id={settingsId('description')}
            label="Description"
            hint="For search engines and feeds, one or two sentences."
            error={e.description}
          >
            {(a11y) => (
              <textarea
                id={settingsId('description')}
                name="description"
                rows={3}
                maxLength={SETTINGS_LIMITS.description}
                value={values.description}
                {...a11y}
              />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Language and time</legend>
          <TextField
            id={settingsId('locale')}
            name="locale"
            label="Language (BCP 47 tag)"
            hint="The language the site is written in, such as en-GB, en-US or fr. Dates are written the way it writes them."
            value={values.locale}
            error={e.locale}
            required
          />
          <TextField
            id={settingsId('timeZone')}
            name="timeZone"
            label="Time zone"
            hint="Dates and scheduled times are shown in it. Type to pick from the list, such as Europe/London."
            value={values.timeZone}
            error={e.timeZone}
            list="time-zones"
            required
          />
          <datalist id="time-zones">
            {props.timeZones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </fieldset>
        <fieldset>
          <legend>Lists</legend>
          <TextField
            id={settingsId('postsPerPage')}
            name="postsPerPage"
            label="Articles per page"
            hint={`On the home page and in archives, from ${min} to ${max}.`}
            value={values.postsPerPage}
            error={e.postsPerPage}
            inputMode="numeric"
            required
          />
        </fieldset>
        <fieldset>
          <legend>Writing</legend>
          <TextField
            id={settingsId('revisionsKept')}
            name="revisionsKept"
            label="Revisions kept per post"
            hint={`Every save keeps a revision; the oldest go beyond this many (${SETTINGS_LIMITS.revisionsKept.min} to ${SETTINGS_LIMITS.revisionsKept.max}). Every published version is always kept.`}
            value={values.revisionsKept}
            error={e.revisionsKept}
            inputMode="numeric"
            required
          />
          <Field
            id={settingsId('citationStyle')}
            label="Citation style"
            hint="How :cite notes, bibliographies and the sources pages are written."
            error={e.citationStyle}
          >
            {(a11y) => (
              <select id={settingsId('citationStyle')} name="citationStyle" {...a11y}>
                {Object.entries(CITATION_STYLE_NAMES).map(([value, label]) => (
                  <option key={value} value={value} selected={values.citationStyle === value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </fieldset>
        <p>
          <button type="submit">Save the settings</button>
        </p>
      </form>
      <h2>Comment policy</h2>
      <p>
        {comments.closeAfterDays > 0
          ? `Comments close ${comments.closeAfterDays} days after an article is published. `
          : 'Comments stay open for as long as each article allows. '}
        {comments.holdFirstComment
          ? 'A reader’s first comment waits for a moderator.'
          : 'First comments are published without waiting for a moderator.'}
      </p>
      <p>
        {comments.canManage ? (
          <a href="/admin/discussion">Change the discussion rules and close comments on an article</a>
        ) : (
          'Editors and administrators set the discussion rules.'
        )}
      </p>
    </>
  );
}

// ---- Widgets ----

const AREA_LABELS: Record<WidgetAreaName, { name: string; where: string }> = {
  header: { name: 'Header', where: 'Under the site’s navigation, on every page.' },
  sidebar: { name: 'Sidebar', where: 'Beside articles and lists on wide screens, after them on narrow ones.' },
  footer: { name: 'Footer', where: 'At the foot of every page.' },
};

export const emptyWidgetForm = (area: WidgetAreaName): WidgetForm => ({
  area,
  type: 'text',
  title: '',
  count: '',
  markdown: '',
});

const widgetFieldId = (form: string, k: string) => `${form}-${k}`;

/** The fields a widget's settings take: title, then how many items or its text, whichever its kind uses. */
function WidgetFields(props: {
  form: string;
  values: { title: string; count: string; markdown: string };
  type?: WidgetSetup['type'];
  errors: Record<string, string>;
}) {
  const { form, values, errors, type } = props;
  const info = type ? WIDGET_TYPE_INFO[type] : undefined;
  const showCount = !type || Boolean(info?.count);
  const showText = !type || Boolean(info?.text);
  return (
    <>
      <TextField
        id={widgetFieldId(form, 'title')}
        name="title"
        label="Title"
        hint="Shown above the widget. May be empty."
        value={values.title}
        error={errors.title}
        maxLength={WIDGET_LIMITS.title}
      />
      {showCount ? (
        <TextField
          id={widgetFieldId(form, 'count')}
          name="count"
          label="How many items"
          hint={
            type && info?.count
              ? `From 1 to ${info.count.max}; empty for ${info.count.default}.`
              : 'For latest articles, latest comments and tags only. Empty for the usual number.'
          }
          value={values.count}
          error={errors.count}
          inputMode="numeric"
        />
      ) : null}
      {showText ? (
        <Field
          id={widgetFieldId(form, 'markdown')}
          label="Text (Markdown)"
          hint={`${type ? '' : 'For a text widget only. '}Markdown or plain text, no HTML; at most ${WIDGET_LIMITS.text} characters.`}
          error={errors.markdown}
        >
          {(a11y) => (
            <textarea id={widgetFieldId(form, 'markdown')} name="markdown" rows={5} value={values.markdown} {...a11y} />
          )}
        </Field>
      ) : null}
    </>
  );
}

function MoveButtons(props: { action: string; label: string; index: number; total: number; viewer: AdminViewer }) {
  return (
    <>
      {props.index > 0 ? (
        <form method="post" action={props.action} class="inline-form">
          <CsrfField csrf={props.viewer.csrf} />
          <input type="hidden" name="direction" value="up" />
          <ItemButton label="Move up" item={props.label} class="secondary" />
        </form>
      ) : null}
      {props.index < props.total - 1 ? (
        <form method="post" action={props.action} class="inline-form">
          <CsrfField csrf={props.viewer.csrf} />
          <input type="hidden" name="direction" value="down" />
          <ItemButton label="Move down" item={props.label} class="secondary" />
        </form>
      ) : null}
    </>
  );
}

const widgetLabel = (w: WidgetSetup) =>
  w.title ? `${WIDGET_TYPE_INFO[w.type].label}: ${w.title}` : WIDGET_TYPE_INFO[w.type].label;

function WidgetItem(props: {
  w: WidgetSetup;
  index: number;
  total: number;
  errors?: FormErrors;
  typed?: WidgetForm;
  viewer: AdminViewer;
}) {
  const { w, viewer } = props;
  const form = `widget-${w.id}`;
  const e = errorsFor(props.errors, form);
  const failed = Object.keys(e).length > 0;
  const values =
    failed && props.typed
      ? props.typed
      : { title: w.title, count: w.count === null ? '' : String(w.count), markdown: w.markdown };
  const label = widgetLabel(w);
  return (
    <li class="site-admin-item" id={`setup-${form}`}>
      <h3>{label}</h3>
      <div class="site-admin-item__actions">
        <MoveButtons
          action={`/admin/widgets/${w.id}/move`}
          label={label}
          index={props.index}
          total={props.total}
          viewer={viewer}
        />
        <form method="post" action={`/admin/widgets/${w.id}/remove`} class="inline-form">
          <CsrfField csrf={viewer.csrf} />
          <ItemButton label="Remove" item={label} class="danger" />
        </form>
      </div>
      <details open={failed}>
        <summary>
          Edit<span class="visually-hidden">: {label}</span>
        </summary>
        <form method="post" action={`/admin/widgets/${w.id}`} class="admin-form">
          <CsrfField csrf={viewer.csrf} />
          <WidgetFields form={form} values={values} type={w.type} errors={e} />
          <p>
            <ItemButton label="Save the widget" item={label} />
          </p>
        </form>
      </details>
    </li>
  );
}

export function WidgetsView(props: {
  setups: Record<WidgetAreaName, WidgetSetup[]>;
  preview: Record<WidgetAreaName, ResolvedWidget[]>;
  site: SiteSettings;
  errors?: FormErrors;
  typed?: WidgetForm;
  viewer: AdminViewer;
  notice?: string;
}) {
  const areas: WidgetAreaName[] = ['header', 'sidebar', 'footer'];
  return (
    <>
      <h1 class="page-title">Widgets</h1>
      <SiteTabs current="widgets" />
      <Notice text={props.notice} />
      <ErrorSummary
        errors={props.errors?.fields}
        idOf={(k) => widgetFieldId(props.errors?.form ?? '', k)}
        message="The widget needs a correction; nothing was saved."
      />
      <p>
        Widgets show around every page of the site. An area with no widgets shows nothing at all. Changes show to
        readers at once.
      </p>
      {areas.map((area) => {
        const list = props.setups[area];
        const addForm = `add-${area}`;
        const e = errorsFor(props.errors, addForm);
        const typed = Object.keys(e).length > 0 && props.typed ? props.typed : emptyWidgetForm(area);
        const { name, where } = AREA_LABELS[area];
        return (
          <section class="site-admin-area" key={area} aria-labelledby={`area-${area}`}>
            <h2 id={`area-${area}`}>{name}</h2>
            <p class="hint">{where}</p>
            {list.length === 0 ? (
              <p class="empty">No widgets here: readers see nothing in the {name.toLowerCase()}.</p>
            ) : (
              <ol class="site-admin-list">
                {list.map((w, i) => (
                  <WidgetItem
                    key={w.id}
                    w={w}
                    index={i}
                    total={list.length}
                    errors={props.errors}
                    typed={props.typed}
                    viewer={props.viewer}
                  />
                ))}
              </ol>
            )}
            <details open={Object.keys(e).length > 0}>
              <summary>Add a widget to the {name.toLowerCase()}</summary>
              <form method="post" action="/admin/widgets" class="admin-form">
                <CsrfField csrf={props.viewer.csrf} />
                <input type="hidden" name="area" value={area} />
                <Field id={widgetFieldId(addForm, 'type')} label="Kind of widget" error={e.type}>
                  {(a11y) => (
                    <select id={widgetFieldId(addForm, 'type')} name="type" {...a11y}>
                      {WIDGET_TYPES.map((t) => (
                        <option key={t} value={t} selected={t === typed.type}>
                          {WIDGET_TYPE_INFO[t].label}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <WidgetFields form={addForm} values={typed} errors={e} />
                <p>
                  <button type="submit">Add to the {name.toLowerCase()}</button>
                </p>
              </form>
            </details>
            <h3 id={`preview-${area}`}>Preview of the {name.toLowerCase()}</h3>
            <div class={`widget-preview widget-preview--${area}`}>
              {props.preview[area].length === 0 ? (
                <p class="hint">Empty.</p>
              ) : (
                // The sidebar is an <aside> on the public page; inside this page's <main> it is shown as a plain
                // area so landmarks stay at the top level.
                <WidgetArea
                  area={area === 'sidebar' ? 'header' : area}
                  widgets={props.preview[area]}
                  site={props.site}
                />
              )}
            </div>
          </section>
        );
      })}
    </>
  );
}

// ---- Menus ----

const MENU_LABELS: Record<MenuName, { name: string; where: string }> = {
  primary: {
    name: 'Primary menu',
    where: 'In the site header. While it is empty, the header shows Latest, the static pages and Search.',
  },
  footer: { name: 'Footer menu', where: 'At the foot of every page. While it is empty, the footer has no menu.' },
};

export const emptyMenuForm = (menu: MenuName) => ({ menu, label: '', url: '', target: '' });

function MenuTable(props: { menu: MenuName; items: MenuItem[]; viewer: AdminViewer }) {
  if (props.items.length === 0) return <p class="empty">No links yet.</p>;
  return (
    <DataTable
      caption={`${MENU_LABELS[props.menu].name}, in order`}
      hiddenCaption
      columns={['Label', 'Address']}
      actions="Order and removal"
    >
      {props.items.map((item, i) => (
        <tr key={item.id} id={`menu-item-${item.id}`}>
          <td>{item.label}</td>
          <td>
            <a href={safeHref(item.url)}>{item.url}</a>
          </td>
          <td class="site-admin-item__actions">
            <MoveButtons
              action={`/admin/menus/${item.id}/move`}
              label={item.label}
              index={i}
              total={props.items.length}
              viewer={props.viewer}
            />
            <form method="post" action={`/admin/menus/${item.id}/remove`} class="inline-form">
              <CsrfField csrf={props.viewer.csrf} />
              <ItemButton label="Remove" item={item.label} class="danger" />
            </form>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function MenusView(props: {
  menus: Menus;
  errors?: FormErrors;
  typed?: { menu: string; label: string; url: string; target: string };
  /** The pages, categories and tags a link can be picked from (the menu builder). */
  targets: MenuTargets;
  viewer: AdminViewer;
  notice?: string;
}) {
  const names: MenuName[] = ['primary', 'footer'];
  return (
    <>
      <h1 class="page-title">Menus</h1>
      <SiteTabs current="menus" />
      <Notice text={props.notice} />
      <ErrorSummary
        errors={props.errors?.fields}
        idOf={(k) => `${props.errors?.form ?? ''}-${k}`}
        message="The link needs a correction; nothing was saved."
      />
      {names.map((menu) => {
        const form = `menu-${menu}`;
        const e = errorsFor(props.errors, form);
        const typed = Object.keys(e).length > 0 && props.typed ? props.typed : emptyMenuForm(menu);
        const { name, where } = MENU_LABELS[menu];
        return (
          <section key={menu} aria-labelledby={`${form}-heading`}>
            <h2 id={`${form}-heading`}>{name}</h2>
            <p class="hint">{where}</p>
            <MenuTable menu={menu} items={props.menus[menu]} viewer={props.viewer} />
            <form method="post" action="/admin/menus" class="admin-form">
              <CsrfField csrf={props.viewer.csrf} />
              <input type="hidden" name="menu" value={menu} />
              <fieldset>
                <legend>Add a link to the {name.toLowerCase()}</legend>
                <MenuTargetField id={`${form}-target`} targets={props.targets} value={typed.target} error={e.target} />
                <TextField
                  id={`${form}-label`}
                  name="label"
                  label="Label"
                  hint="Left empty, the name of the page, category or tag picked."
                  value={typed.label}
                  error={e.label}
                  maxLength={MENU_LIMITS.label}
                />
                <TextField
                  id={`${form}-url`}
                  name="url"
                  label="Address"
                  hint="With “Type an address” chosen: a path on this site, such as /about/, or a full address starting with https://."
                  value={typed.url}
                  error={e.url}
                  maxLength={MENU_LIMITS.url}
                />
                <p>
                  <button type="submit">Add the link</button>
                </p>
              </fieldset>
            </form>
          </section>
        );
      })}
    </>
  );
}

// ---- Dashboard ----

const editorUrl = (id: number) => `/admin/posts/${id}`;

function PostList(props: {
  posts: DashboardPost[];
  empty: string;
  site: SiteSettings;
  when: (p: DashboardPost) => { label: string; at: string };
}) {
  if (props.posts.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <ul class="dashboard-list">
      {props.posts.map((p) => {
        const w = props.when(p);
        return (
          <li key={p.id}>
            <a href={editorUrl(p.id)}>{p.title || 'Untitled'}</a>
            {p.type === 'page' ? ' (page)' : ''}
            <span class="hint">
              {w.label} <time dateTime={w.at}>{formatDateTime(w.at, props.site)}</time>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function DashboardView(props: {
  dashboard: Dashboard;
  site: SiteSettings;
  notice?: string;
  ownsBackups?: boolean;
  /** The first-run checklist, when it shows. */
  checklist?: ComponentChildren;
}) {
  const d = props.dashboard;
  const whose = d.everyone ? '' : 'Your ';
  const changed = (p: DashboardPost) => ({ label: 'Last saved', at: p.changedAt });
  return (
    <>
      <h1 class="page-title">Dashboard</h1>
      <Notice text={props.notice} />
      {props.checklist}
      {d.backups ? <BackupFailure status={d.backups} site={props.site} /> : null}
      <div class="dashboard">
        {d.failing ? (
          <section aria-labelledby="dash-failing">
            <h2 id="dash-failing">Checks to look at</h2>
            {d.failing.length === 0 ? (
              <p class="empty">The checks found nothing in the latest drafts and scheduled posts.</p>
            ) : (
              <ul class="dashboard-list">
                {d.failing.map((p) => (
                  <li key={p.id}>
                    <a href={editorUrl(p.id)}>{p.title || 'Untitled'}</a>
                    <span class="hint">
                      {p.issues.length} {p.issues.length === 1 ? 'thing' : 'things'} to check
                      {p.status === 'scheduled' ? ' before it goes out' : ''}
                    </span>
                    <ul>
                      {p.issues.slice(0, 5).map((i, n) => (
                        <li key={n}>{i.message}</li>
                      ))}
                      {p.issues.length > 5 ? <li>and {p.issues.length - 5} more in the editor</li> : null}
                    </ul>
                  </li>
                ))}
              </ul>
            )}
          </section>
        ) : null}
        {d.drafts ? (
          <section aria-labelledby="dash-drafts">
            <h2 id="dash-drafts">{whose ? 'Your drafts' : 'Recent drafts'}</h2>
            <PostList posts={d.drafts} empty="No drafts." site={props.site} when={changed} />
          </section>
        ) : null}
        {d.review ? (
          <section aria-labelledby="dash-review">
            <h2 id="dash-review">{whose}Waiting for review</h2>
            <PostList
              posts={d.review}
              empty="Nothing is waiting for review."
              site={props.site}
              when={(p) => ({ label: 'Sent', at: p.submittedAt ?? p.changedAt })}
            />
          </section>
        ) : null}
        {d.scheduled ? (
          <section aria-labelledby="dash-scheduled">
            <h2 id="dash-scheduled">{whose ? 'Your scheduled posts' : 'Scheduled'}</h2>
            <PostList
              posts={d.scheduled}
              empty="Nothing is scheduled."
              site={props.site}
              when={(p) => ({ label: 'Goes out', at: p.publishAt ?? p.changedAt })}
            />
          </section>
        ) : null}
        {d.held ? (
          <section aria-labelledby="dash-held">
            <h2 id="dash-held">Held comments</h2>
            <p>
              {d.held.count === 0 ? (
                'No comments are waiting.'
              ) : (
                <a href="/admin/moderation">
                  {d.held.count} {d.held.count === 1 ? 'comment is' : 'comments are'} waiting for a moderator
                </a>
              )}
            </p>
            {d.held.latest.length > 0 ? (
              <ul class="dashboard-list">
                {d.held.latest.map((c) => (
                  <li key={c.id}>
                    {c.authorName} on {c.postTitle}
                    <span class="hint">
                      <time dateTime={c.createdAt}>{formatDateTime(c.createdAt, props.site)}</time>
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        ) : null}
        {d.suggestions ? (
          <section aria-labelledby="dash-suggestions">
            <h2 id="dash-suggestions">Correction suggestions</h2>
            <ul class="dashboard-list">
              {d.suggestions.open !== null ? (
                <li>
                  <a href="/admin/corrections?status=open">
                    {d.suggestions.open} open {d.suggestions.open === 1 ? 'suggestion waits' : 'suggestions wait'} for
                    an editor
                  </a>
                </li>
              ) : null}
              <li>
                <a href="/admin/corrections?status=held">{d.suggestions.held} held for moderation</a>
              </li>
            </ul>
          </section>
        ) : null}
        {d.backups ? (
          <section aria-labelledby="dash-backups">
            <h2 id="dash-backups">Backups</h2>
            <BackupSummary status={d.backups} site={props.site} />
            {props.ownsBackups ? (
              <p>
                <a href="/admin/backups">Backups and their schedule</a>
              </p>
            ) : null}
          </section>
        ) : null}
        {!d.drafts && !d.held ? <p>There is nothing here for your account yet.</p> : null}
      </div>
    </>
  );
}
