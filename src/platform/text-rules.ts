// What a human-facing text (a name, an e-mail address) may hold. Characters that render as nothing
// or re-order what is around them let two different values look the same in a list, an audit
// record or an alert ("alice\u200b", "\u202etxt.exe"): Unicode Technical Standard #39 §3 and
// Unicode Technical Report #36 §2.1 (bidirectional and invisible-character spoofing), CWE-1007.
// Refused: every control (Cc, including DEL and C1), format character (Cf: zero-width characters,
// the bidi embeddings, overrides and isolates U+202A–U+202E / U+2066–U+2069, U+200E/F, U+FEFF,
// soft hyphen…), line and paragraph separator (Zl, Zp), lone surrogate (Cs) and unassigned code
// point (Cn: it has no agreed rendering yet).
//
// Names keep the few format characters that real writing needs, only where it needs them (the
// idea of IDNA's CONTEXTJ rules, RFC 5892 Appendix A.1/A.2): a zero-width (non-)joiner between two
// letters of a script that shapes with it (Persian "می‌خواهم", Devanagari conjuncts), a zero-width
// joiner inside an emoji sequence ("👩‍💻") and the tag characters of a subdivision flag
// ("🏴󠁧󠁢󠁳󠁣󠁴󠁿"). An e-mail address keeps none.

export type TextRule = 'name' | 'strict';

/** The JSON Schema keyword (an OpenAPI `x-` extension) by which a string schema names its rule. */
export const TEXT_RULE_KEYWORD = 'x-text-rule';

/** Options for a TypeBox string schema: `Type.String({ maxLength: 100, ...textRule('name') })`. */
export function textRule(rule: TextRule): { [TEXT_RULE_KEYWORD]: TextRule } {
  return { [TEXT_RULE_KEYWORD]: rule };
}

export const INVISIBLE_CHARACTERS_MESSAGE = 'must not contain invisible or control characters';

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;
const EVERY_FORBIDDEN = new RegExp(FORBIDDEN.source, 'gu');

// Scripts whose shaping uses ZWNJ / ZWJ between letters (Unicode §23.2, "Cursive Connection and
// Ligatures"): Arabic-type joining scripts and the Brahmic scripts with viramas.
const JOINING_SCRIPT =
  /[\p{sc=Arabic}\p{sc=Syriac}\p{sc=Nko}\p{sc=Mongolian}\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Gurmukhi}\p{sc=Gujarati}\p{sc=Oriya}\p{sc=Tamil}\p{sc=Telugu}\p{sc=Kannada}\p{sc=Malayalam}\p{sc=Sinhala}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const JOINER_BEFORE = new RegExp(`${JOINING_SCRIPT.source}$`, 'u');
const JOINER_AFTER = new RegExp(`^${JOINING_SCRIPT.source}`, 'u');
// An emoji, optionally with its presentation selector or a skin tone, then ZWJ, then an emoji.
const EMOJI_BEFORE = /\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?$/u;
const EMOJI_AFTER = /^\p{Extended_Pictographic}/u;
// A subdivision flag: black flag, tag letters and digits, cancel tag (UTS #51 §2.8).
const FLAG_TAG_SEQUENCE = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,30}\u{E007F}/gu;

// A joiner's context is at most two UTF-16 units of emoji and two of modifier on either side.
const CONTEXT = 4;

function joinerInContext(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - CONTEXT), at);
  const after = text.slice(at + 1, at + 1 + CONTEXT);
  if (JOINER_BEFORE.test(before) && JOINER_AFTER.test(after)) return true;
  return text[at] === '\u200d' && EMOJI_BEFORE.test(before) && EMOJI_AFTER.test(after);
}

/** True when `text` holds a character the rule refuses (see the top of this file). */
export function hasInvisibleCharacters(text: string, rule: TextRule): boolean {
  if (rule === 'strict') return FORBIDDEN.test(text);
  const scanned = text.replace(FLAG_TAG_SEQUENCE, '\u{1F3F4}');
  for (const match of scanned.matchAll(EVERY_FORBIDDEN)) {
    const isJoiner = match[0] === '\u200c' || match[0] === '\u200d';
    if (!isJoiner || !joinerInContext(scanned, match.index)) return true;
  }
  return false;
}
