import { Choice, CsrfField } from '../../ui/form.tsx';
import { type AdminViewer, Notice } from '../layout.tsx';

// /admin/export (owners and admins): the two files, what each holds and leaves out, and a download form each.

/**
 * The owner's choice to put readers' addresses in the file; an admin is told the file names no reader, and why.
 */
function PersonalData(props: { format: 'wordpress' | 'json'; allowed: boolean }) {
  if (!props.allowed)
    return (
      <p class="field__hint">
        Readers' email addresses stay out of this file: only an owner may take them out of the site.
      </p>
    );
  return (
    <Choice
      type="checkbox"
      id={`export-${props.format}-personal`}
      name="personal"
      value="yes"
      hint={
        props.format === 'wordpress'
          ? 'Readers gave them to this site to hear of replies. Tick this only when the file goes straight to your own new site: WordPress then recognises returning commenters.'
          : 'And the list of commenters and the email and address bans. Tick this when the file goes to your own new Annalist site, so it recognises returning commenters and keeps their reply notifications and unsubscribes.'
      }
    >
      Include readers' email addresses
    </Choice>
  );
}

function WordpressFormat(props: { csrf: string; baseUrl: string; personal: boolean }) {
  return (
    <section class="export-format" aria-labelledby="export-wordpress">
      <h2 id="export-wordpress">WordPress (WXR)</h2>
      <p>
        A WordPress eXtended RSS 1.2 file, the kind WordPress itself writes under Tools → Export. Use it to move to
        WordPress (Tools → Import → WordPress) or to any other platform that reads WXR.
      </p>
      <h3>What it leaves out</h3>
      <ul>
        <li>
          What WordPress has no place for: the sources library and citation keys (citations stay in each article's text
          and bibliography), the corrections log and readers' correction suggestions, revisions, widgets and menus.
        </li>
        <li>All bylines but the first: WordPress gives a post one author.</li>
        <li>Commenters' IP addresses, and their email addresses unless an owner ticks the box below.</li>
        <li>
          The image files themselves: the file gives each image's address, and WordPress's importer fetches it from{' '}
          <code>{props.baseUrl}</code>, so keep this site online until the import is done.
        </li>
      </ul>
      <form method="post" action="/admin/export/wordpress">
        <CsrfField csrf={props.csrf} />
        <PersonalData format="wordpress" allowed={props.personal} />
        <p>
          <button type="submit">Download the WordPress file</button>
        </p>
      </form>
    </section>
  );
}

function JsonFormat(props: { csrf: string; personal: boolean }) {
  return (
    <section class="export-format" aria-labelledby="export-json">
      <h2 id="export-json">Annalist JSON</h2>
      <p>
        The complete export: articles and pages with their revisions, comments, the sources library and citations,
        corrections, menus, widgets, redirects, bans and settings, in one documented JSON file. Bring it into a new,
        empty Annalist site with <code>annalist import annalist FILE.json</code>; other software can read it too (its
        format is described in <code>docs/export-schema.json</code>).
      </p>
      <h3>What it leaves out</h3>
      <ul>
        <li>Commenters' IP addresses and browsers, and reports of comments.</li>
        <li>
          Readers' email addresses, the commenters' list and the email and address bans, unless an owner ticks the box
          below. The staff's sign-in addresses are always in it.
        </li>
        <li>What is worked out again on import: rendered pages, counts and the search index.</li>
        <li>The image files, unless you tick the box below; without them, images arrive as entries to upload again.</li>
      </ul>
      <form method="post" action="/admin/export/json">
        <CsrfField csrf={props.csrf} />
        <PersonalData format="json" allowed={props.personal} />
        <Choice
          type="checkbox"
          id="export-media"
          name="media"
          value="yes"
          hint="Every uploaded image in each of its sizes, inside the file (as base64, a third larger than the images themselves)."
        >
          Include the image files
        </Choice>
        <p>
          <button type="submit">Download the Annalist JSON file</button>
        </p>
      </form>
    </section>
  );
}

export function ExportView(props: {
  viewer: AdminViewer;
  baseUrl: string;
  localBaseUrl: boolean;
  running: boolean;
  /** The viewer may put readers' personal data in a file (owners). */
  personal: boolean;
}) {
  const { csrf } = props.viewer;
  return (
    <>
      <h1 class="page-title">Export</h1>
      <p>
        Download the whole site as one file, to move it elsewhere or to keep a copy that needs no Annalist to read. Each
        file is read at one moment while the site goes on serving, and holds every article and page, drafts and
        scheduled ones included, and every comment: keep it as private as the site itself. One export is written at a
        time; a large site takes a while, so keep this page open until the download has finished.
      </p>
      <Notice
        text={
          props.running
            ? 'An export is being written now. Another can start once it has finished: reload this page to see.'
            : undefined
        }
      />
      {props.localBaseUrl ? (
        <div class="admin-alert">
          <p>
            <strong>This server was started without its public address.</strong> Links and image addresses in the
            WordPress file will start with <code>{props.baseUrl}</code>. Set <code>ANNALIST_BASE_URL</code> to the
            address readers use, restart, then export.
          </p>
        </div>
      ) : null}
      <div class="export-formats">
        <WordpressFormat csrf={csrf} baseUrl={props.baseUrl} personal={props.personal} />
        <JsonFormat csrf={csrf} personal={props.personal} />
      </div>
      <section aria-labelledby="export-never">
        <h2 id="export-never">Never in either file</h2>
        <p>
          Passwords, sign-in sessions, second-factor (TOTP) secrets and the site's signing key. On a new Annalist site
          the import prints a one-time sign-in link for each owner; everyone else chooses a new password with "Forgot
          your password?".
        </p>
      </section>
    </>
  );
}
