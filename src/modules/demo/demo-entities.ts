import type { EntityKind } from '../../storage/schema.ts';
import { createEntity, type HistoryDeps } from '../history/entities.service.ts';
import { type EntityForm, emptyEntityForm } from '../history/entity-form.ts';

/**
 * The demo's people, places, events and organisations (issue 17), added before the articles so that their
 * mentions (`:person[…]{#georgy-zhukov}`) link when the articles are saved. Descriptions written for the demo.
 */
const DEMO_ENTITIES: (Partial<EntityForm> & { kind: EntityKind; name: string; slug: string })[] = [
  {
    kind: 'person',
    name: 'Georgy Zhukov',
    slug: 'georgy-zhukov',
    names: 'ru: Жуков\nru: Георгий Константинович Жуков\nŽukov (transliteration)',
    date: '1896/1974',
    description:
      'Soviet commander. He led the Soviet and Mongolian forces at Khalkhin-Gol in 1939 and the defence of Moscow two years later, and ended the war as a marshal taking Berlin.',
    wikidata: 'Q124617',
  },
  {
    kind: 'place',
    name: 'Khalkhin-Gol',
    slug: 'khalkhin-gol',
    names: 'mn: Халх гол\nru: Халхин-Гол\nKhalkhyn Gol (transliteration)',
    description:
      'A river of the eastern Mongolian steppe, flowing north-west towards Lake Buir Nur. In 1939 the two sides disagreed on whether it was itself the border.',
  },
  {
    kind: 'place',
    name: 'Nomonhan',
    slug: 'nomonhan',
    names: 'ja: ノモンハン',
    description:
      'A small place east of the Khalkhin-Gol, near the line Mongolia claimed as its frontier; the Japanese named the 1939 fighting after it.',
  },
  {
    kind: 'event',
    name: 'Battle of Khalkhin Gol',
    slug: 'battle-of-khalkhin-gol',
    names: 'ja: ノモンハン事件\nNomonhan Incident',
    date: '1939-05-11/1939-09-16',
    description:
      'The undeclared border war between the Soviet Union and Mongolia on one side and Japan and Manchukuo on the other, from the first clashes in May to the ceasefire in September 1939.',
  },
  {
    kind: 'organisation',
    name: '57th Special Corps',
    slug: '57th-special-corps',
    names: 'ru: 57-й особый корпус',
    date: '1937/1939',
    description:
      'The Soviet force stationed in Mongolia under the mutual assistance protocol of 1936; in the summer of 1939 it became the 1st Army Group.',
  },
];

/** Adds the demo's entities. */
export async function seedEntities(deps: HistoryDeps): Promise<void> {
  for (const e of DEMO_ENTITIES) await createEntity(deps, { ...emptyEntityForm(e.kind), ...e });
}
