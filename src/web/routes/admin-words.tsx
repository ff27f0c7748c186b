import type { FastifyInstance } from 'fastify';
import { getSiteWords, saveSiteWords } from '../../modules/preflight/site-words.ts';
import { isAppError } from '../../modules/shared/errors.ts';
import { type AdminKit, one, type Query, requireForScope, seeOther } from '../admin-kit.tsx';
import { formOf } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { Notice } from '../views/admin-layout.tsx';
import { ErrorSummary, FormField } from '../views/admin-site.tsx';

const PAGE = '/admin/words';
const FIELD_ID = 'site-words';

/**
 * The site's word list for the spelling check: names and terms the dictionary does not know (Khalkhin-Gol,
 * Zhukov, Nomonhan…). Editors and up keep it; every writer's preflight check uses it.
 */
export function registerWordListRoutes(staff: FastifyInstance, kit: AdminKit): void {
  staff.register(async (scope) => {
    requireForScope(scope, kit, 'edit_others_posts');

    const show = async (
      reply: Parameters<AdminKit['page']>[0],
      viewer: ReturnType<AdminKit['viewerOf']>,
      opts: { text: string; error?: string; notice?: string; status?: number },
    ) =>
      kit.page(reply, {
        title: 'Word list',
        viewer,
        current: 'words',
        status: opts.status,
        body: (
          <>
            <h1>Word list</h1>
            <Notice text={opts.notice} />
            <p>
              The spelling check before publishing accepts these words as well as the dictionary's: the names, places
              and terms of the site's subjects. One word per line; hyphens and apostrophes are fine (Khalkhin-Gol,
              Kwantung). Capitals do not matter.
            </p>
            <ErrorSummary
              errors={opts.error ? { form: 'words', fields: { words: opts.error } } : undefined}
              idOf={() => FIELD_ID}
            />
            <form method="post" action={PAGE} class="admin-form">
              <input type="hidden" name="csrf" value={viewer.csrf} />
              <FormField id={FIELD_ID} label="Words the spelling check accepts" error={opts.error}>
                {(describedBy, invalid) => (
                  <textarea
                    id={FIELD_ID}
                    name="words"
                    rows={20}
                    spellcheck={false}
                    aria-describedby={describedBy}
                    aria-invalid={invalid ? 'true' : undefined}
                  >
                    {opts.text}
                  </textarea>
                )}
              </FormField>
              <p>
                <button type="submit">Save the word list</button>
              </p>
            </form>
          </>
        ),
      });

    scope.get(PAGE, async (req, reply) => {
      const words = await getSiteWords(kit.ctx.deps.content);
      const saved = one(req.query as Query, 'notice') === 'saved';
      return show(reply, kit.viewerOf(req), {
        text: words.join('\n'),
        notice: saved ? `Word list saved: ${words.length} words.` : undefined,
      });
    });

    scope.post(PAGE, async (req, reply) => {
      const text = (formOf(req).get('words') ?? '').slice(0, 200_000);
      try {
        await saveSiteWords(kit.ctx.deps.content, text.split(/[\r\n]+/));
      } catch (err) {
        if (!isAppError(err) || err.code !== 'SITE_WORDS_INVALID') throw err;
        return show(reply, kit.viewerOf(req), {
          text,
          error: err.fields?.words ?? err.publicMessage,
          status: HTTP_ERRORS[err.code].status,
        });
      }
      return seeOther(reply, `${PAGE}?notice=saved`);
    });
  });
}
