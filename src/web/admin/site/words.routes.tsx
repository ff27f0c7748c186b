import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getSiteWords, saveSiteWords } from '../../../modules/preflight/site-words.ts';
import { isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { Form, Text, typed } from '../../kit/schemas.ts';
import { CsrfField, ErrorSummary, Field } from '../../ui/form.tsx';
import { type AdminKit, NoticeQuery, requireForScope, seeOther } from '../kit.tsx';
import { Notice } from '../layout.tsx';

const PAGE = '/admin/words';
const FIELD_ID = 'site-words';
/** One word a line; the module counts the words and their length and shows the list again when it refuses. */
const WordsForm = Form({ csrf: Type.Optional(Text(200)), words: Type.Optional(Text(200_000)) });

/**
 * The site's word list for the spelling check: names and terms the dictionary does not know (Khalkhin-Gol,
 * Zhukov, Nomonhan…). Editors and up keep it; every writer's preflight check uses it.
 */
export function registerWordListRoutes(staff: FastifyInstance, kit: AdminKit): void {
  staff.register(async (wordScope) => {
    requireForScope(wordScope, kit, 'edit_others_posts');
    const scope = typed(wordScope);

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
            <ErrorSummary errors={opts.error ? { words: opts.error } : undefined} idOf={() => FIELD_ID} />
            <form method="post" action={PAGE} class="admin-form">
              <CsrfField csrf={viewer.csrf} />
              <Field id={FIELD_ID} label="Words the spelling check accepts" error={opts.error}>
                {(a11y) => (
                  <textarea id={FIELD_ID} name="words" rows={20} spellcheck={false} {...a11y}>
                    {opts.text}
                  </textarea>
                )}
              </Field>
              <p>
                <button type="submit">Save the word list</button>
              </p>
            </form>
          </>
        ),
      });

    scope.get(PAGE, { schema: { querystring: NoticeQuery } }, async (req, reply) => {
      const words = await getSiteWords(kit.ctx.deps.content);
      const saved = req.query.notice === 'saved';
      return show(reply, kit.viewerOf(req), {
        text: words.join('\n'),
        notice: saved ? `Word list saved: ${words.length} words.` : undefined,
      });
    });

    scope.post(PAGE, { schema: { body: WordsForm } }, async (req, reply) => {
      const text = req.body.words ?? '';
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
