import type { EntityNameInput } from '../../modules/history/entity-form.ts';

/** Names listed outright on an entity's page; the rest fold behind "All N names" (issue 17: 200 variants). */
export const NAMES_SHOWN = 12;

function NameItems(props: { names: readonly EntityNameInput[] }) {
  return (
    <>
      {props.names.map((n, i) => (
        <li key={i} lang={n.lang || undefined}>
          {n.name}
          {n.name_kind === 'transliteration' ? <span class="entity-names__kind"> (transliteration)</span> : null}
        </li>
      ))}
    </>
  );
}

/**
 * An entity's other names, each with its language: the first NAMES_SHOWN listed, the rest in a <details> (no
 * script; every name stays in the page, for find-in-page and search engines).
 */
export function NameList(props: { names: readonly EntityNameInput[] }) {
  const { names } = props;
  if (names.length <= NAMES_SHOWN) {
    return (
      <ul class="entity-names">
        <NameItems names={names} />
      </ul>
    );
  }
  return (
    <>
      <ul class="entity-names">
        <NameItems names={names.slice(0, NAMES_SHOWN)} />
      </ul>
      <details class="entity-names__more">
        <summary>
          All {names.length} names <span class="entity-names__count">({names.length - NAMES_SHOWN} more)</span>
        </summary>
        <ul class="entity-names">
          <NameItems names={names.slice(NAMES_SHOWN)} />
        </ul>
      </details>
    </>
  );
}
