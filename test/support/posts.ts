import type { NewPostRow } from '../../src/storage/schema.ts';

/**
 * A post row as tests insert it straight through the repository (`insertPost`), when the editor's own save is not
 * what the test is about: a draft with an empty body unless `fields` say otherwise.
 */
export function postRow(fields: Pick<NewPostRow, 'slug' | 'title' | 'created_at'> & Partial<NewPostRow>): NewPostRow {
  return {
    type: 'post',
    standfirst: '',
    excerpt: '',
    status: 'draft',
    published_at: null,
    updated_at: null,
    primary_category_id: null,
    cover_src: null,
    cover_alt: null,
    cover_caption: null,
    cover_credit: null,
    seo_title: null,
    seo_description: null,
    body_md: '',
    body_html: '',
    toc_json: '[]',
    word_count: 0,
    render_version: 0,
    ...fields,
  };
}
