import type { EntityKind } from '../../storage/schema.ts';
import { createEntity, type HistoryDeps } from '../history/entities.service.ts';
import { type EntityForm, emptyEntityForm } from '../history/entity-form.ts';
import { KHALKHIN_GOL_SHAPES } from './demo-place-shapes.ts';

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
    // His memoirs and a biography, from the demo's sources library (sources.json).
    sources: 'zhukov-1985\nroberts-2012',
  },
  {
    kind: 'place',
    name: 'Khalkhin-Gol',
    slug: 'khalkhin-gol',
    names: 'mn: Халх гол\nru: Халхин-Гол\nKhalkhyn Gol (transliteration)',
    description:
      'A river of the eastern Mongolian steppe, flowing north-west towards Lake Buir Nur. In 1939 the two sides disagreed on whether it was itself the border.',
    // The battlefield's stretch of the river, near the Khailastyn-Gol's mouth.
    latitude: '47.73',
    longitude: '118.59',
    shapes: KHALKHIN_GOL_SHAPES,
  },
  {
    kind: 'place',
    name: 'Nomonhan',
    slug: 'nomonhan',
    names: 'ja: ノモンハン',
    description:
      'A small place east of the Khalkhin-Gol, near the line Mongolia claimed as its frontier; the Japanese named the 1939 fighting after it.',
    latitude: '47.773',
    longitude: '118.757',
  },
  {
    kind: 'place',
    name: 'Bain-Tsagan',
    slug: 'bain-tsagan',
    names: 'mn: Баян Цагаан\nBayan Tsagaan (transliteration)',
    description:
      'A flat-topped height on the west bank of the Khalkhin-Gol, north of the Soviet bridgehead, held for three days by the Japanese in July 1939.',
    latitude: '47.85',
    longitude: '118.55',
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
  // The battle's course (issue 17's timeline): uncertain and approximate dates written as such.
  {
    kind: 'event',
    name: 'First clash at the Khalkhin-Gol',
    slug: 'first-clash-khalkhin-gol',
    // Most accounts give 11 May; some put the first exchange of fire a few days later.
    date: '1939-05-11?',
    description:
      'A Mongolian cavalry patrol crossing to the east bank for grazing is driven back by Manchukuoan horsemen; both sides send more men.',
  },
  {
    kind: 'event',
    name: 'Destruction of the Azuma detachment',
    slug: 'azuma-detachment',
    date: '1939-05-28/1939-05-29',
    description:
      'A Japanese reconnaissance unit east of the river is cut off by Soviet and Mongolian troops and almost entirely lost, with its commander.',
  },
  {
    kind: 'event',
    name: 'Soviet air reinforcements arrive',
    slug: 'soviet-air-reinforcements',
    date: '1939-06~',
    description:
      'Pilots with combat experience from Spain and China are flown in under Yakov Smushkevich, ending the early Japanese advantage in the air.',
  },
  {
    kind: 'event',
    name: 'Tamsag-Bulak air raid',
    slug: 'tamsag-bulak-raid',
    date: '1939-06-27',
    description:
      'Kwantung Army aircraft strike the Soviet airfields deep inside Mongolia without the approval of the General Staff in Tokyo.',
  },
  {
    kind: 'event',
    name: 'Battle of Bain-Tsagan',
    slug: 'bain-tsagan',
    date: '1939-07-03/1939-07-05',
    description:
      'Japanese infantry cross to the west bank and take the Bain-Tsagan height; Soviet armour thrown in straight from the march forces them back over the river.',
  },
  {
    kind: 'event',
    name: 'Japanese artillery offensive',
    slug: 'japanese-artillery-offensive',
    // Begun on 23 July; when it petered out is a matter of judgement.
    date: '1939-07-23/1939-07-25~',
    description: 'A set-piece bombardment meant to silence the Soviet guns on the higher west bank fails to do so.',
  },
  {
    kind: 'event',
    name: 'Soviet August offensive',
    slug: 'august-offensive',
    date: '1939-08-20/1939-08-31',
    description:
      "Zhukov's holding attack in the centre and two armoured wings encircle the Japanese 23rd Division east of the river.",
  },
  {
    kind: 'event',
    name: 'German–Soviet non-aggression pact',
    slug: 'german-soviet-pact',
    names: 'Molotov–Ribbentrop Pact',
    date: '1939-08-23',
    description:
      'Signed in Moscow while the encirclement was closing; it left Tokyo without the alliance it had sought.',
  },
  {
    kind: 'event',
    name: 'Soviet–Japanese ceasefire agreement',
    slug: 'khalkhin-gol-ceasefire',
    date: '1939-09-15/1939-09-16',
    description:
      'Agreed in Moscow by Molotov and Ambassador Tōgō Shigenori late on 15 September and in force from the next day.',
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
