/**
 * dictionary-en is American English; most history sites on Annalist write British English (the default locale is
 * en-GB). Until a British dictionary is installed, a word the dictionary does not know is accepted when one of its
 * regular American counterparts is known: colour/color, organise/organize, analyse/analyze, centre/center,
 * defence/defense, travelled/traveled, manoeuvre/maneuver, catalogue/catalog. Rules only ever widen acceptance,
 * and only for words the dictionary already rejected.
 */

const RULES: [RegExp, string][] = [
  [/our/g, 'or'], // colour, honours, favourite, behaviour
  [/is(e|es|ed|ing|ation|ations|er|ers|able)$/, 'iz$1'], // organise, realising, civilisation
  [/ys(e|es|ed|ing|er|ers)$/, 'yz$1'], // analyse, paralysed
  [/tre(s|d)?$/, 'ter$1'], // centre, metres, manoeuvred
  [/(cen|thea|lus|spec)tre/g, '$1ter'], // centrepiece, theatregoer, lustreless, spectres
  [/bre(s)?$/, 'ber$1'], // fibre, calibres
  [/ence(s)?$/, 'ense$1'], // defence, offences, licence
  [/ll(ed|ing|er|ers|ous)$/, 'l$1'], // travelled, signalling, marvellous
  [/ogue(s)?$/, 'og$1'], // catalogue, analogues
  [/oe/g, 'e'], // manoeuvre, oesophagus
  [/ae/g, 'e'], // mediaeval, palaeontology, encyclopaedia
  [/ement(s)?$/, 'ment$1'], // judgement, acknowledgement
  [/eing$/, 'ing'], // ageing
];

/** British forms with no regular rule. */
const IRREGULAR = new Map<string, string>([
  ['whilst', 'while'],
  ['amongst', 'among'],
  ['learnt', 'learned'],
  ['spelt', 'spelled'],
  ['burnt', 'burned'],
  ['dreamt', 'dreamed'],
  ['leapt', 'leaped'],
  ['spoilt', 'spoiled'],
  ['grey', 'gray'],
  ['greys', 'grays'],
  ['programme', 'program'],
  ['programmes', 'programs'],
  ['cheque', 'check'],
  ['storey', 'story'],
  ['storeys', 'stories'],
  ['tyre', 'tire'],
  ['tyres', 'tires'],
  ['plough', 'plow'],
  ['ploughed', 'plowed'],
  ['draught', 'draft'],
  ['sceptical', 'skeptical'],
  ['sceptic', 'skeptic'],
  ['mould', 'mold'],
  ['aluminium', 'aluminum'],
  ['jewellery', 'jewelry'],
  ['pyjamas', 'pajamas'],
  ['enrol', 'enroll'],
  ['fulfil', 'fulfill'],
  ['instalment', 'installment'],
  ['skilful', 'skillful'],
  ['wilful', 'willful'],
  ['kerb', 'curb'],
  ['gaol', 'jail'],
  ['artefact', 'artifact'],
  ['artefacts', 'artifacts'],
  ['towards', 'toward'],
]);

/** American spellings a British word may correspond to (empty when no rule applies). */
export function americanVariants(word: string): string[] {
  const lower = word.toLowerCase();
  const found = new Set<string>();
  const irregular = IRREGULAR.get(lower);
  if (irregular) found.add(irregular);
  // Two rounds, so words that need two changes (manoeuvres -> maneuvers) are covered.
  let frontier = [lower];
  for (let round = 0; round < 2; round++) {
    const next: string[] = [];
    for (const w of frontier) {
      for (const [pattern, replacement] of RULES) {
        const v = w.replace(pattern, replacement);
        if (v !== w && !found.has(v)) {
          found.add(v);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  // Keep a capital the writer used: "Defence" -> "Defense".
  const capital = word[0] !== undefined && word[0] !== word[0].toLowerCase();
  return [...found].map((v) => (capital ? v[0]!.toUpperCase() + v.slice(1) : v));
}
