import type { MenuTarget, MenuTargets } from '../../../modules/site/menu-targets.service.ts';
import { Field } from '../../ui/form.tsx';

const GROUPS: [keyof MenuTargets, string][] = [
  ['pages', 'Pages'],
  ['categories', 'Categories'],
  ['tags', 'Tags'],
];

/**
 * The menu builder's list (issue 16): the site's pages, categories and tags, grouped, each option's value the
 * address the link will get; the first option keeps the typed address of the field below it.
 */
export function MenuTargetField(props: { id: string; targets: MenuTargets; value: string; error?: string }) {
  const group = (items: MenuTarget[]) =>
    items.map((t) => (
      <option key={t.url} value={t.url} selected={t.url === props.value}>
        {t.label}
      </option>
    ));
  return (
    <Field
      id={props.id}
      label="Page, category or tag"
      hint="Pick where the link leads; the label is its name unless you type one. Or choose “Type an address” and type it below."
      error={props.error}
    >
      {(a11y) => (
        <select id={props.id} name="target" {...a11y}>
          <option value="" selected={props.value === ''}>
            Type an address
          </option>
          {GROUPS.filter(([key]) => props.targets[key].length > 0).map(([key, name]) => (
            <optgroup key={key} label={name}>
              {group(props.targets[key])}
            </optgroup>
          ))}
        </select>
      )}
    </Field>
  );
}
