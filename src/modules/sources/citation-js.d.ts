// @citation-js 0.8.2 ships no types: the part of its API the sources module uses.
declare module '@citation-js/core' {
  interface CiteprocEngine {
    rebuildProcessorState(
      citations: {
        citationID: string;
        citationItems: { id: string; locator?: string; label?: string }[];
        properties: { noteIndex: number };
      }[],
      mode: string,
      uncited: string[],
    ): [string, number, string][];
    updateItems(ids: string[]): string[];
    makeBibliography(): [{ bibstart: string; bibend: string; entry_ids: string[][] }, string[]];
  }
  interface CslConfig {
    engine(data: object[], style: string, lang: string, format: string): CiteprocEngine;
    styles: { add(name: string, xml: string): void; has(name: string): boolean };
  }
  export const plugins: {
    config: { get(name: '@csl'): CslConfig };
    input: { chain(data: unknown, options?: { forceType?: string; generateGraph?: boolean }): object[] };
    output: { format(name: string, data: object[], options?: Record<string, unknown>): string };
  };
  export class Cite {
    constructor(data: unknown);
    format(name: string, options?: Record<string, unknown>): string;
  }
}
declare module '@citation-js/plugin-csl';
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-ris';
