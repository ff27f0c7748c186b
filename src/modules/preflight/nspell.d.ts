// nspell 2.1.5 ships no types: the part of its API the preflight spelling check uses.
declare module 'nspell' {
  interface NSpell {
    correct(word: string): boolean;
    suggest(word: string): string[];
    add(word: string, model?: string): NSpell;
  }
  function nspell(dictionary: { aff: Uint8Array | string; dic?: Uint8Array | string }): NSpell;

  export type { NSpell };
  export default nspell;
}
